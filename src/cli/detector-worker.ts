import { parseArgs } from 'node:util';
import { createServices } from '../app.js';
import type { Config } from '../config.js';
import { createLogger } from '../main.js';
import { type DeviceMessagingHandle, startDeviceMessaging } from '../modules/devices/device-messaging.js';
import { DetectorRunner } from '../modules/safe-village/detector/detector-runner.js';
import { systemClock } from '../platform/clock.js';
import { createDb } from '../platform/db/database.js';
import { resolveSecret } from '../platform/signing.js';

export const detectorUsage = `shuxiang worker detector [--cameras ID,ID]

Reads cameras' streams and raises their alarms, in a process of its own (at scale, several such
processes on several machines, each with its share of the cameras). It needs the platform's
database (DATABASE_URL) and blob store (S3_BUCKET, or the same SHUXIANG_DATA_DIR); with MQTT_URL it
sends the speakers' warnings at once, otherwise the platform's broadcast sweep sends them. Run the
platform itself with DETECTOR=false so a camera is read by one process only.

  --cameras ID,ID    only these cameras (default: every enabled camera with detection on)
`;

/** `shuxiang worker detector`: runs until SIGINT/SIGTERM. */
export async function runDetectorWorker(args: string[], config: Config): Promise<number> {
  const { values } = parseArgs({ args, options: { cameras: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log(detectorUsage);
    return 0;
  }
  if (!config.database.url) {
    console.error('A detector worker works on the platform’s database: set DATABASE_URL. / 检测进程需要 DATABASE_URL。\n');
    console.error(detectorUsage);
    return 2;
  }
  const logger = createLogger(config);
  const db = createDb(config.database.url, 4);
  const services = createServices(db, config, systemClock, resolveSecret(config), logger);
  let messaging: DeviceMessagingHandle | undefined;
  if (config.mqtt.url) messaging = await startDeviceMessaging(config, services.devices, logger, { simulate: false });
  const cameraIds = values.cameras?.split(',').map((id) => id.trim()).filter(Boolean);
  const runner = new DetectorRunner({ service: services.safeVillage, clock: systemClock, logger, threads: config.safeVillage.detectorThreads, ffmpegPath: config.audio.ffmpegPath, cameraIds });
  await runner.start();
  logger.info({ cameras: [...runner.pipelines.keys()] }, 'detector worker running');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await runner.stop();
  await messaging?.close();
  await services.live.close();
  await db.destroy();
  return 0;
}
