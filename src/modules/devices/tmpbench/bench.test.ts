import pino from 'pino';
import { it } from 'vitest';
import { makeWav, mqttTestEnv, serveAudio, startTestMessaging } from '../../../../test/support/mqtt.js';
import { createTestApp } from '../../../../test/support/test-app.js';
import { hashDeviceSecret } from '../../../platform/mqtt/credentials.js';
import { SpeakerSimulator } from '../speaker-simulator.js';

const N = Number(process.env.BENCH_N ?? 1000);
it('bench', async () => {
  const env = mqttTestEnv();
  const t = await createTestApp({ env });
  const hash = await hashDeviceSecret('bench-secret-0123456789-0123456789');
  const place = (await t.services.regions.placeOf('130631202206'))!;
  const now = new Date();
  const ids = Array.from({ length: N }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < N; i += 500) {
    await t.db.insertInto('devices').values(ids.slice(i, i + 500).map((id) => ({ id, kind: 'speaker' as const, name: id, region_code: place.region.code, region_path: place.region.path, lon: null, lat: null, bound_camera_id: null, secret_hash: hash, volume: 60, reported_volume: null, playing_command_id: null, firmware: null, online: false, online_changed_at: null, last_seen_at: null, last_rejected_at: null, last_rejected_reason: null, disabled_at: null, created_at: now, updated_at: now }))).execute();
  }
  const messaging = await startTestMessaging(env, t);
  const audio = await serveAudio({ '/a.wav': makeWav(0.5) });
  const sim = new SpeakerSimulator(ids.map((id) => ({ id, secret: 'bench-secret-0123456789-0123456789' })), { url: messaging.deviceUrl, topicPrefix: env.MQTT_TOPIC_PREFIX!, logger: pino({ level: 'silent' }), heartbeatSeconds: 3600 });
  let t0 = Date.now();
  const started = await sim.start(50);
  console.log(`connect ${N}: ${Date.now() - t0} ms`, started.failed.length);
  t0 = Date.now();
  for (;;) {
    const row = await t.db.selectFrom('devices').select((eb) => eb.fn.countAll<string>().as('n')).where('online', '=', true).executeTakeFirstOrThrow();
    if (Number(row.n) >= N) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  console.log(`all online in DB: +${Date.now() - t0} ms`);
  for (const [label, input] of [['set-volume', { type: 'set-volume', volume: 50 }], ['play 0.5 s', { type: 'play', url: audio.url('/a.wav'), priority: 3 }]] as const) {
    for (let round = 0; round < 2; round++) {
      const final = new Set<string>();
      let acks = 0;
      const done = new Promise<void>((resolve) => {
        const off = t.services.devices.events.on('device.ack', (a) => {
          acks++;
          if (a.state === 'finished' || a.state === 'failed') final.add(a.deviceId);
          if (final.size === N) { off(); resolve(); }
        });
      });
      t0 = Date.now();
      const results = await t.services.devices.sendCommands(ids, input as never);
      const published = Date.now() - t0;
      await done;
      const total = Date.now() - t0;
      console.log(`${label} round ${round}: published to ${N} (PUBACKed) in ${published} ms = ${Math.round((N * 1000) / published)} cmd/s; all final acks in ${total} ms (${acks} acks => ${Math.round((acks * 1000) / total)} acks/s processed); errors ${results.filter((r) => r.error).length}`);
    }
  }
  await sim.stop();
  await messaging.close();
  await audio.close();
  await t.close();
}, 300_000);
