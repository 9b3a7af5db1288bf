/** The fixed signing secret of the test apps, so tests can sign and tamper with URLs themselves. */
export const TEST_SECRET = Buffer.from('shuxiang-test-secret-0123456789abcdef', 'utf8');
