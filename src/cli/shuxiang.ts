#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createServices } from '../app.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createLogger, openDatabase, startPlatform } from '../main.js';
import { hashDeviceSecret } from '../platform/mqtt/credentials.js';
import { mosquittoAcl } from '../platform/mqtt/mosquitto.js';
import { simulateSpeakers, simulateUsage } from './simulate-speakers.js';
import { simulateMeters, simulateMetersUsage } from './simulate-meters.js';
import { detectorUsage, runDetectorWorker } from './detector-worker.js';
import { sampleFile, sampleNames, samplesDir } from '../platform/media/sample-media.js';
import { featureCollection } from '../modules/regions/regions.schema.js';
import { seedDemo } from '../modules/demo/demo.seed.js';
import { systemClock } from '../platform/clock.js';
import { DataDirLockedError } from '../platform/data-dir-lock.js';
import { AppError } from '../platform/http/errors.js';
import { noRequest } from '../platform/request-context.js';

const usage = `数乡 Shuxiang

Usage: shuxiang <command>   (from a checkout: npm run shuxiang -- <command>)

  start                         run the platform (HTTP on PORT, default 8080)
  migrate                       apply database migrations and exit
  seed demo                     load the Heibao township demo data (once)
  admin create --phone P --name N [--region CODE]
                                create an administrator; prints a one-time password
  regions import FILE.geojson   create or update regions from a GeoJSON FeatureCollection
  simulate speakers [--help]    connect virtual loudspeaker pillars (default: the demo's)
  simulate meters [--help]      connect virtual water meters that send readings (default: the demo's)
  devices mosquitto-passwd      print a Mosquitto password file: every enabled device, and the
                                platform's account when MQTT_PASSWORD is set
  devices mosquitto-acl         print the Mosquitto ACL file for MQTT_TOPIC_PREFIX
  worker detector [--cameras ID,ID]
                                read cameras and raise alarms in a process of its own
  audit verify                  walk the audit trail's hash chain; exit 1 at the first broken link
  samples fetch                 get OpenCV's sample video and photos (Debian opencv-doc) for the
                                tests, into .cache/samples/ (or SHUXIANG_SAMPLES_DIR); the demo
                                camera streams a copy shipped in assets/demo-camera/ without them

Configuration comes from environment variables; see README.md.
`;

/** Runs `fn` with the configured database open, closing it afterwards. */
async function withServices<T>(config: Config, fn: (services: ReturnType<typeof createServices>) => Promise<T>): Promise<T> {
  const logger = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const database = await openDatabase(config, logger);
  try {
    return await fn(createServices(database.db, config));
  } finally {
    await database.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'start':
      await startPlatform(config);
      return -1; // keeps running
    case 'migrate':
      await withServices(config, async () => undefined);
      console.log('Database is at the latest schema. 数据库已是最新结构。');
      return 0;
    case 'seed':
      if (sub !== 'demo') break;
      await withServices(config, async (services) => {
        const seeded = await seedDemo(services, systemClock.now());
        console.log(seeded ? 'Demo data loaded. 演示数据已导入。' : 'Demo data was already there. 演示数据已存在。');
      });
      return 0;
    case 'admin': {
      if (sub !== 'create') break;
      const { values } = parseArgs({ args: rest, options: { phone: { type: 'string' }, name: { type: 'string' }, region: { type: 'string' } } });
      if (!values.phone || !values.name) {
        console.error('admin create needs --phone and --name');
        return 2;
      }
      await withServices(config, async (services) => {
        const region = values.region ?? (await services.regions.onlyCounty());
        if (!region) throw new Error('No county region yet, or several: import regions first, or pass --region CODE.');
        const { user, initialPassword } = await services.accounts.createUser(
          null,
          { phone: values.phone!, name: values.name!, role: 'admin', regionCode: region },
          noRequest,
        );
        console.log(`Administrator ${user.name} (${user.phone}) created for ${user.regionName}.`);
        console.log(`One-time password 一次性密码: ${initialPassword}  (must be changed at first login 首次登录须修改)`);
      });
      return 0;
    }
    case 'regions': {
      if (sub !== 'import' || !rest[0]) break;
      const parsed = featureCollection.safeParse(JSON.parse(readFileSync(rest[0], 'utf8')));
      if (!parsed.success) {
        for (const issue of parsed.error.issues) console.error(`  ${issue.path.join('.')}: ${issue.message}`);
        return 2;
      }
      await withServices(config, async (services) => {
        const result = await services.regions.importFeatures(null, parsed.data, noRequest);
        console.log(`Imported: ${result.created} created, ${result.updated} updated.`);
      });
      return 0;
    }
    case 'simulate':
      if (sub === 'meters') return simulateMeters(rest, config);
      if (sub !== 'speakers') {
        console.error(`${simulateUsage}\n${simulateMetersUsage}`);
        return 2;
      }
      return simulateSpeakers(rest, config);
    case 'devices': {
      if (sub === 'mosquitto-acl') {
        const { frigate } = config.safeVillage;
        process.stdout.write(mosquittoAcl(config.mqtt.topicPrefix, config.mqtt.username, { username: frigate.username, prefix: frigate.topicPrefix }));
        return 0;
      }
      if (sub !== 'mosquitto-passwd') break;
      const lines = await withServices(config, (services) => services.devices.mosquittoPasswordLines());
      if (config.mqtt.password) lines.unshift(`${config.mqtt.username}:${await hashDeviceSecret(config.mqtt.password)}`);
      else console.error(`(MQTT_PASSWORD is not set: add a line for ${config.mqtt.username} with mosquitto_passwd)`);
      const { frigate } = config.safeVillage;
      if (frigate.password) lines.push(`${frigate.username}:${await hashDeviceSecret(frigate.password)}`);
      process.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    }
    case 'worker':
      if (sub !== 'detector') {
        console.error(detectorUsage);
        return 2;
      }
      return runDetectorWorker(rest, config);
    case 'audit': {
      if (sub !== 'verify') break;
      const result = await withServices(config, (services) => services.audit.verifyChain());
      const range = `${result.anchor.seq + 1}…${result.head.seq}`;
      if (result.ok) {
        console.log(`Audit chain intact: ${result.checked} entries (seq ${range}). 审计链完整。`);
        return 0;
      }
      console.error(`Audit chain broken at seq ${result.broken!.seq} (${result.broken!.reason}); ${result.checked} entries before it are intact (seq ${range}). 审计链在第 ${result.broken!.seq} 条断开。`);
      return 1;
    }
    case 'samples':
      if (sub !== 'fetch') break;
      for (const name of sampleNames) sampleFile(name, config.safeVillage.samplesDir);
      console.log(`OpenCV's samples are in ${config.safeVillage.samplesDir ?? samplesDir}. 示例文件已就绪。`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
      console.log(usage);
      return 0;
  }
  console.error(usage);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError || error instanceof DataDirLockedError) {
      console.error(error.message);
    } else if (error instanceof AppError) {
      const body = error.toBody();
      console.error(`${body.code}: ${body.message} / ${body.messageEn}`);
      for (const d of body.details ?? []) console.error(`  ${d.field}: ${d.message} / ${d.messageEn}`);
    } else {
      console.error(error instanceof Error ? error.message : error);
    }
    process.exit(1);
  },
);
