// End-to-end test of `impasto serve`: drives the studio page in headless Chromium.
//   node studio.e2e.js path/to/impasto [shared-images-dir]
// Starts the server on a free port, uploads a photo and a painting, paints a small SqueezeNet job,
// counts the live preview updates, downloads the result and decodes it in the browser, paints a
// texture from the painting alone, makes a sound from a tone (played in the page, downloaded, decoded),
// paints the first frames of a clip (opencv-doc's tree.avi), then uploads a corrupt image and expects the page to explain the problem. Exits 0 on success, 77
// (CTest: skipped) when no SqueezeNet weights are installed, 1 on any failure.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const CHROMIUM = process.env.IMPASTO_CHROMIUM || '/usr/bin/chromium';
const OPENCV_DATA = '/usr/share/doc/opencv-doc/examples/data';
const SIZE = 128, ITERATIONS = 12, TEXTURE_SIZE = 96, TEXTURE_ITERATIONS = 8;
const CLIP = path.join(OPENCV_DATA, 'tree.avi'), CLIP_FRAMES = 3, CLIP_SIZE = 64;

// A mono 16-bit WAV of a 440 Hz tone.
function toneWav(seconds, rate = 16000) {
  const samples = Math.round(seconds * rate);
  const wav = Buffer.alloc(44 + 2 * samples);
  wav.write('RIFF', 0); wav.writeUInt32LE(36 + 2 * samples, 4); wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16); wav.writeUInt16LE(1, 20); wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(rate, 24); wav.writeUInt32LE(2 * rate, 28); wav.writeUInt16LE(2, 32); wav.writeUInt16LE(16, 34);
  wav.write('data', 36); wav.writeUInt32LE(2 * samples, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(8000 * Math.sin(2 * Math.PI * 440 * i / rate)), 44 + 2 * i);
  return wav;
}

// Throws, so that the browser and the server are still shut down by main's finally.
function fail(message) {
  throw new Error(message);
}

function checkSetup() {
  try {
    require.resolve('playwright-core');
  } catch (e) {
    fail(`playwright-core is not installed: run \`npm ci\` in ${__dirname} (scripts/run-tests.sh does)`);
  }
  if (!fs.existsSync(CHROMIUM)) fail(`${CHROMIUM} not found: install Debian's chromium package (scripts/install-deps.sh does)`);
  if (!binary || !fs.existsSync(binary)) fail(`usage: node studio.e2e.js path/to/impasto (got ${binary})`);
}

const binary = process.argv[2];

// Images: the shared test images when present, else Debian's opencv-doc samples (installed by set-up).
function pickImages() {
  const shared = process.argv[3];
  const candidates = [
    shared && [path.join(shared, 'tubingen.jpg'), path.join(shared, 'starry_night.jpg')],
    [path.join(OPENCV_DATA, 'building.jpg'), path.join(OPENCV_DATA, 'starry_night.jpg')],
  ];
  for (const pair of candidates) if (pair && pair.every((p) => fs.existsSync(p))) return pair;
  fail('no test images: neither ../shared/images nor opencv-doc examples are present');
}

function startServer(outputDir) {
  return new Promise((resolve, reject) => {
    const server = spawn(binary, ['serve', '--port', '0', '--output-dir', outputDir, '--threads', '2'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${output}`)), 60000);
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(/Impasto studio: (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve({ server, url: match[1], log: () => output });
      }
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    const exited = new Promise((done) => server.once('exit', (code, signal) => done(signal || code)));
    exited.then((code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${output}`)); });
    server.stopped = () => {
      if (server.exitCode === null && server.signalCode === null) server.kill('SIGTERM');
      return exited;
    };
  });
}

async function main() {
  checkSetup();
  const playwright = require('playwright-core');
  const started = Date.now();
  const [photo, painting] = pickImages();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'impasto-e2e-'));
  const outputDir = path.join(work, 'results');
  const screenshots = process.env.IMPASTO_E2E_SCREENSHOTS;
  const { server, url, log } = await startServer(outputDir);
  let browser;
  try {
    browser = await playwright.chromium.launch({ executablePath: CHROMIUM, headless: true });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);

    const config = await (await page.request.get(url + 'api/config')).json();
    const squeezenet = config.models.find((m) => m.name === 'squeezenet');
    if (!squeezenet || !squeezenet.available) {
      console.log(`e2e: SKIP: no SqueezeNet weights installed (${squeezenet && squeezenet.detail})`);
      process.exitCode = 77;
      return;
    }

    // The size of the photo, decoded by the browser, gives the size the result must have.
    const decodeInPage = (bytes) => page.evaluate(async (b64) => {
      const blob = await (await fetch(`data:application/octet-stream;base64,${b64}`)).blob();
      const bitmap = await createImageBitmap(blob);
      return { width: bitmap.width, height: bitmap.height };
    }, bytes.toString('base64'));
    const content = await decodeInPage(fs.readFileSync(photo));
    page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) pageErrors.push(`navigated to ${frame.url()}`); });

    await page.setInputFiles('#content-input', photo);
    await page.locator('#content-drop.filled').waitFor();
    await page.setInputFiles('#style-input', painting);
    await page.locator('#styles li').first().waitFor();

    await page.selectOption('#model', 'squeezenet');
    await page.fill('#size', String(SIZE));
    await page.fill('#iterations', String(ITERATIONS));
    // A second tab follows the same queue.
    const otherTab = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await otherTab.goto(url);
    await otherTab.locator('#connection.live').waitFor();
    await page.click('#start');

    // At least two live preview updates while the job runs.
    await page.waitForFunction(() => Number(document.getElementById('preview').dataset.previews) >= 2, null, { timeout: 120000 });
    if (screenshots) await page.screenshot({ path: path.join(screenshots, 'studio-running.png'), fullPage: true });

    await page.locator('#download').waitFor({ state: 'visible', timeout: 120000 });
    const previews = Number(await page.getAttribute('#preview', 'data-previews'));
    const updates = Number(await page.getAttribute('#preview', 'data-updates'));
    const galleryItems = await page.locator('#gallery li.done').count();
    if (galleryItems !== 1) fail(`expected one finished painting in the gallery, found ${galleryItems}`);
    await otherTab.locator('#gallery li.done').waitFor({ timeout: 10000 });
    const otherPreviews = Number(await otherTab.getAttribute('#preview', 'data-previews'));
    if (otherPreviews < 2) fail(`the second tab showed ${otherPreviews} live previews, expected at least 2`);
    const chartDrawn = await page.evaluate(() => {
      const c = document.getElementById('chart');
      const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let inked = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
      return inked;
    });
    if (chartDrawn < 500) fail(`the loss chart looks empty (${chartDrawn} drawn pixels)`);

    // Download the result and decode it in the browser.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const saved = path.join(work, download.suggestedFilename());
    await download.saveAs(saved);
    const bytes = fs.readFileSync(saved);
    const decoded = await decodeInPage(bytes);
    const scale = SIZE / Math.max(content.width, content.height);
    const expected = { width: Math.round(content.width * scale), height: Math.round(content.height * scale) };
    if (decoded.width !== expected.width || decoded.height !== expected.height)
      fail(`downloaded image is ${decoded.width}x${decoded.height}, expected ${expected.width}x${expected.height}`);
    const onDisk = fs.readdirSync(outputDir).filter((f) => f.endsWith('.png'));  // before the texture job
    if (onDisk.length !== 1 || onDisk[0] !== download.suggestedFilename())
      fail(`output directory holds ${JSON.stringify(onDisk)}, expected the downloaded ${download.suggestedFilename()}`);
    if (screenshots) await page.screenshot({ path: path.join(screenshots, 'studio-done.png'), fullPage: true });

    // Texture mode: the photo step goes away and the result is a square of the chosen size.
    await page.check('#mode-texture');
    if (await page.isVisible('#content-step')) fail('the photo step is still shown in texture mode');
    await page.fill('#size', String(TEXTURE_SIZE));
    await page.fill('#iterations', String(TEXTURE_ITERATIONS));
    await page.click('#start');
    await page.waitForFunction(() => document.querySelectorAll('#gallery li.done').length === 2, null, { timeout: 120000 });
    const texture = (await (await page.request.get(url + 'api/jobs')).json()).jobs.find((j) => j.status === 'done' && /^Texture from /.test(j.title));
    if (!texture) fail('no finished texture job in the queue');
    if (texture.result.width !== TEXTURE_SIZE || texture.result.height !== TEXTURE_SIZE)
      fail(`the texture is ${texture.result.width}x${texture.result.height}, expected ${TEXTURE_SIZE}x${TEXTURE_SIZE}`);
    if (screenshots) await page.screenshot({ path: path.join(screenshots, 'studio-texture.png'), fullPage: true });

    // A sound: a texture of a tone, heard in the page and downloaded as a WAV that decodes.
    await page.check('#mode-audio');
    if (!(await page.isVisible('#audio-step')) || await page.isVisible('#styles-step'))
      fail('the audio mode does not show its own step');
    await page.setInputFiles('#sound-style-input', { name: 'tone.wav', mimeType: 'audio/wav', buffer: toneWav(1.0) });
    await page.locator('#sound-style-player').waitFor({ state: 'visible', timeout: 10000 });
    await page.fill('#iterations', '3');
    await page.fill('#duration', '1');
    await page.click('#start');
    await page.waitForFunction(() => document.querySelectorAll('#gallery li.done').length === 3, null, { timeout: 120000 });
    await page.locator('#result-audio').waitFor({ state: 'visible', timeout: 10000 });
    const [soundDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    if (!soundDownload.suggestedFilename().endsWith('.wav')) fail(`the sound downloads as ${soundDownload.suggestedFilename()}`);
    const soundFile = path.join(work, soundDownload.suggestedFilename());
    await soundDownload.saveAs(soundFile);
    const soundSeconds = await page.evaluate(async (b64) => {
      const bytes = await (await fetch(`data:audio/wav;base64,${b64}`)).arrayBuffer();
      return (await new OfflineAudioContext(1, 1, 22050).decodeAudioData(bytes)).duration;
    }, fs.readFileSync(soundFile).toString('base64'));
    if (Math.abs(soundSeconds - 1.0) > 0.05) fail(`the sound made is ${soundSeconds} s long, expected 1 s`);
    const playable = await page.evaluate(() => new Promise((resolve) => {
      const a = document.getElementById('result-audio');
      if (a.readyState >= 1) return resolve(a.duration);
      a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true });
      a.addEventListener('error', () => resolve(-1), { once: true });
    }));
    if (!(Math.abs(playable - 1.0) < 0.05)) fail(`the page's <audio> element reports ${playable} s`);
    if (screenshots) await page.screenshot({ path: path.join(screenshots, 'studio-audio.png'), fullPage: true });

    // A video clip: its first frames painted, each shown as it is written, the mp4 downloaded.
    let clipFrames = 0;
    if (fs.existsSync(CLIP)) {
      await page.check('#mode-video');
      await page.setInputFiles('#content-input', CLIP);
      await page.waitForFunction(() => Number(document.getElementById('max-frames').max) > 1, null, { timeout: 30000 });
      await page.fill('#max-frames', String(CLIP_FRAMES));
      await page.fill('#size', String(CLIP_SIZE));
      await page.fill('#iterations', '4');
      await page.fill('#frame-iterations', '2');
      // The temporal weight starts at impasto video's default and goes with the job.
      const videoDefaults = (await (await page.request.get(url + 'api/config')).json()).video_defaults;
      const steadiness = Number(await page.inputValue('#temporal-weight'));
      if (steadiness !== videoDefaults.temporal_weight)
        fail(`the page's temporal weight starts at ${steadiness}, impasto video's is ${videoDefaults.temporal_weight}`);
      await page.click('details.advanced > summary');  // "Balance of the result", folded by default
      await page.fill('#temporal-weight', '500');
      const before = Number(await page.getAttribute('#preview', 'data-previews'));
      const posted = page.waitForRequest((r) => r.url().endsWith('/api/jobs') && r.method() === 'POST');
      await page.click('#start');
      const sent = JSON.parse((await posted).postData());
      if (sent.temporal_weight !== 500) fail(`the video job was sent with temporal_weight ${sent.temporal_weight}`);
      await page.waitForFunction(() => document.querySelectorAll('#gallery li.done').length === 4, null, { timeout: 180000 });
      const shown = Number(await page.getAttribute('#preview', 'data-previews')) - before;
      if (shown < 2) fail(`the page showed ${shown} painted frames as they arrived, expected at least 2`);
      await page.locator('#result-video').waitFor({ state: 'visible', timeout: 10000 });
      const video = (await (await page.request.get(url + 'api/jobs')).json()).jobs.find((j) => j.kind === 'video');
      if (!video || video.status !== 'done' || video.result.frames !== CLIP_FRAMES)
        fail(`the video job is ${JSON.stringify(video)}`);
      clipFrames = video.result.frames;
      const [clipDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
      const clipFile = path.join(work, clipDownload.suggestedFilename());
      await clipDownload.saveAs(clipFile);
      const head = fs.readFileSync(clipFile).subarray(4, 8).toString('latin1');
      if (!clipFile.endsWith('.mp4') || head !== 'ftyp') fail(`the clip downloads as ${clipFile} (starting ${head})`);
      if (screenshots) await page.screenshot({ path: path.join(screenshots, 'studio-video.png'), fullPage: true });
    }
    await page.check('#mode-stylize');

    // A corrupt image: the page says so and the server keeps running.
    await page.setInputFiles('#content-input', {
      name: 'broken.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('\xff\xd8\xff\xe0 this is no jpeg', 'latin1'),
    });
    await page.locator('#message').waitFor({ state: 'visible', timeout: 10000 });
    const message = await page.textContent('#message-text');
    if (!/broken\.jpg/.test(message) || !/damaged/.test(message)) fail(`unexpected error message: "${message}"`);
    if (screenshots) await page.screenshot({ path: path.join(screenshots, 'studio-error.png'), fullPage: true });
    const alive = await page.request.get(url + 'api/jobs');
    if (!alive.ok()) fail('the server stopped answering after the corrupt upload');
    if (pageErrors.length) fail(`JavaScript errors in the page: ${pageErrors.join('; ')}`);

    // Stopping the server (SIGTERM, as Ctrl-C) is orderly and keeps the finished painting.
    const code = await server.stopped();
    if (code !== 0) fail(`the server exited with ${code} on SIGTERM`);
    if (!fs.existsSync(path.join(outputDir, onDisk[0]))) fail('the result is gone after the server stopped');

    console.log(`e2e: PASS in ${((Date.now() - started) / 1000).toFixed(1)} s: ${previews} live previews shown ` +
      `(${updates} image updates with the result; ${otherPreviews} in a second tab), result ${decoded.width}x${decoded.height}, ` +
      `texture ${texture.result.width}x${texture.result.height}, sound ${soundSeconds.toFixed(2)} s, ` +
      `clip ${clipFrames ? `${clipFrames} frames` : 'skipped (no tree.avi)'}, ` +
      `error shown: "${message}"`);
  } catch (e) {
    console.error(`server output:\n${log()}`);
    throw e;
  } finally {
    if (browser) await browser.close();
    await server.stopped();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`e2e: FAIL: ${e.message}`);
  process.exitCode = 1;
});
