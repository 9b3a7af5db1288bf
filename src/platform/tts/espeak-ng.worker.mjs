// A worker thread that speaks with espeak-ng compiled to WebAssembly (the `espeak-ng` npm
// package, whose Mandarin voice `cmn` has correct tones). Plain JavaScript so that it runs the
// same under tsx, vitest and plain Node: a worker thread does not inherit a TypeScript loader.
//
// Each request runs the espeak-ng program once in a fresh WebAssembly instance (the program
// keeps global state, and `main` cannot be called twice); the compiled module is reused.
// Message in:  { id, text, voice, wordsPerMinute?, pitch? }
// Message out: { id, wav: Uint8Array } or { id, error: string }
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';
import ESpeakNg from 'espeak-ng';

const require = createRequire(import.meta.url);
const compiled = new WebAssembly.Module(readFileSync(require.resolve('espeak-ng/dist/espeak-ng.wasm')));

/** Emscripten's notice that main() returned while the runtime stays up: expected, not an error. */
const EXIT_NOTICE = /^program exited \(with status: 0\)/;

async function speak({ text, voice, wordsPerMinute, pitch }) {
  const errors = [];
  const args = ['-v', voice, '-w', '/out.wav'];
  if (wordsPerMinute !== undefined) args.push('-s', String(wordsPerMinute));
  if (pitch !== undefined) args.push('-p', String(pitch));
  // The text comes from a file, never the command line, so nothing in it is read as an option.
  args.push('-f', '/in.txt');
  const instance = await new Promise((resolve, reject) => {
    ESpeakNg({
      arguments: args,
      preRun: [(module) => module.FS.writeFile('/in.txt', text)],
      print: () => {},
      printErr: (line) => {
        if (!EXIT_NOTICE.test(line)) errors.push(line);
      },
      // The default would set process.exitCode from espeak's exit status.
      quit: (status, toThrow) => {
        if (status !== 0) errors.push(`espeak-ng exited with status ${status}`);
        throw toThrow;
      },
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(compiled, imports).then((wasm) => receive(wasm, compiled), reject);
        return {};
      },
    }).then(resolve, reject);
  });
  if (!instance.FS.analyzePath('/out.wav').exists) throw new Error(errors.join('; ') || 'espeak-ng wrote no audio');
  if (errors.length > 0) throw new Error(errors.join('; '));
  return instance.FS.readFile('/out.wav');
}

parentPort.on('message', (request) => {
  speak(request).then(
    (wav) => parentPort.postMessage({ id: request.id, wav }, [wav.buffer]),
    (error) => parentPort.postMessage({ id: request.id, error: String(error?.message ?? error) }),
  );
});
