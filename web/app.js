// Impasto Studio: uploads images, submits jobs, and follows the shared queue through the server's
// event stream (/api/events). No framework; every element is looked up once below.
'use strict';

const $ = (id) => document.getElementById(id);
const ui = {
  connection: $('connection'), connectionText: $('connection-text'),
  message: $('message'), messageText: $('message-text'),
  contentInput: $('content-input'), contentDrop: $('content-drop'), contentThumb: $('content-thumb'),
  contentHint: $('content-hint'), contentStep: $('content-step'),
  modes: $('modes'), modeTexture: $('mode-texture'), sizeHint: $('size-hint'),
  modeVideoLabel: $('mode-video-label'), modeAudioLabel: $('mode-audio-label'),
  contentTitle: $('content-title'), stylesStep: $('styles-step'), audioStep: $('audio-step'),
  soundStyleInput: $('sound-style-input'), soundStyleDrop: $('sound-style-drop'), soundStyleHint: $('sound-style-hint'),
  soundStylePlayer: $('sound-style-player'),
  soundContentInput: $('sound-content-input'), soundContentDrop: $('sound-content-drop'),
  soundContentHint: $('sound-content-hint'), soundContentPlayer: $('sound-content-player'),
  modelField: $('model-field'), sizeField: $('size-field'), tvField: $('tv-field'), postField: $('post-field'),
  iterationsHint: $('iterations-hint'), frameIterations: $('frame-iterations'), maxFrames: $('max-frames'),
  framesHint: $('frames-hint'), duration: $('duration'), durationField: $('duration-field'),
  resultVideo: $('result-video'), resultAudio: $('result-audio'),
  contentWeightField: $('content-weight-field'),
  styleInput: $('style-input'), styleDrop: $('style-drop'), styles: $('styles'),
  model: $('model'), size: $('size'), iterations: $('iterations'),
  preserveField: $('preserve-field'), preserveColors: $('preserve-colors'), post: $('post'),
  contentWeight: $('content-weight'), styleWeight: $('style-weight'), tvWeight: $('tv-weight'),
  temporalWeight: $('temporal-weight'),
  start: $('start'), limits: $('limits'),
  cancel: $('cancel'), download: $('download'),
  preview: $('preview'), stageEmpty: $('stage-empty'), stageEmptyText: $('stage-empty-text'), progressBar: $('progress-bar'), status: $('status'),
  jobNotes: $('job-notes'),
  chart: $('chart'), queue: $('queue'), queueEmpty: $('queue-empty'),
  gallery: $('gallery'), galleryEmpty: $('gallery-empty'),
};

const state = {
  config: null,
  mode: 'stylize',        // stylize | texture | video | audio
  kindShown: 'image',     // the kind of job whose defaults the fields hold
  texture: false,         // texture from the paintings alone: no photo
  content: null,          // {id, name, width, height, url}
  clip: null,             // video mode: {id, name, width, height, frames, seconds, url}
  sounds: { style: null, content: null },  // audio mode: {id, name, seconds, url}
  styles: [],             // [{id, name, url, weight}]
  jobs: new Map(),        // id -> job as the server describes it (+ history kept here)
  focus: null,            // id of the job shown on the canvas
  pinned: false,          // the user chose the focused job; do not follow the queue
  lastPreview: new Map(), // job id -> preview count shown
};

// ---------- messages ----------

function showError(text) {
  ui.messageText.textContent = text;
  ui.message.hidden = false;
}
function clearError() { ui.message.hidden = true; }
$('message-close').addEventListener('click', clearError);

async function api(path, options = {}) {
  const headers = Object.assign({ 'X-Impasto': '1' }, options.headers || {});
  let response;
  try {
    response = await fetch(path, Object.assign({}, options, { headers }));
  } catch (e) {
    throw new Error('The studio server cannot be reached. Is `impasto serve` still running?');
  }
  const text = await response.text();
  let body = {};
  try { body = text ? JSON.parse(text) : {}; } catch (e) { body = {}; }
  if (!response.ok) throw new Error(body.error || `The server answered ${response.status}.`);
  return body;
}

// ---------- uploads ----------

function megabytes(bytes) { return (bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0) + ' MB'; }

// route: /api/images, /api/videos or /api/sounds (the server tells the kinds apart by content).
async function upload(file, drop, route = '/api/images') {
  const limit = state.config ? state.config.limits.max_upload_bytes : Infinity;
  if (file.size > limit) {
    throw new Error(`“${file.name}” is ${megabytes(file.size)}; the studio accepts files up to ${megabytes(limit)}.`);
  }
  const spinner = drop.querySelector('.spinner');
  spinner.hidden = false;
  try {
    const image = await api(route, {
      method: 'POST',
      body: file,
      headers: { 'Content-Type': file.type || 'application/octet-stream', 'X-Filename': encodeURIComponent(file.name) },
    });
    image.url = URL.createObjectURL(file);
    return image;
  } catch (e) {
    throw new Error(`“${file.name}” cannot be used: ${e.message}`);
  } finally {
    spinner.hidden = true;
  }
}

async function setContent(file) {
  if (!file) return;
  clearError();
  if (state.mode === 'video') return setClip(file);
  try {
    const image = await upload(file, ui.contentDrop);
    if (state.content) URL.revokeObjectURL(state.content.url);
    state.content = image;
    ui.contentThumb.src = image.url;
    ui.contentThumb.hidden = false;
    ui.contentDrop.classList.add('filled');
    ui.contentHint.innerHTML = '';
    ui.contentHint.append(`${image.name} · ${image.width} × ${image.height}  `);
    const change = document.createElement('strong');
    change.textContent = 'change';
    ui.contentHint.append(change);
  } catch (e) {
    showError(e.message);
  }
  updateStart();
}

async function setClip(file) {
  try {
    const clip = await upload(file, ui.contentDrop, '/api/videos');
    if (state.clip) URL.revokeObjectURL(state.clip.url);
    state.clip = clip;
    ui.contentThumb.hidden = true;
    ui.contentDrop.classList.remove('filled');
    ui.contentHint.innerHTML = '';
    ui.contentHint.append(`${clip.name} · ${clip.width} × ${clip.height} · ${clip.frames} frames (${clip.seconds.toFixed(1)} s)  `);
    const change = document.createElement('strong');
    change.textContent = 'change';
    ui.contentHint.append(change);
    ui.maxFrames.max = clip.frames;
    ui.maxFrames.value = clip.frames;
    ui.framesHint.textContent = `of ${clip.frames}`;
  } catch (e) {
    showError(e.message);
  }
  updateStart();
}

// role: 'style' (the sound whose texture is learnt) or 'content' (the sound repainted, optional).
async function setSound(role, file) {
  if (!file) return;
  clearError();
  const drop = role === 'style' ? ui.soundStyleDrop : ui.soundContentDrop;
  const hint = role === 'style' ? ui.soundStyleHint : ui.soundContentHint;
  const player = role === 'style' ? ui.soundStylePlayer : ui.soundContentPlayer;
  try {
    const sound = await upload(file, drop, '/api/sounds');
    if (state.sounds[role]) URL.revokeObjectURL(state.sounds[role].url);
    state.sounds[role] = sound;
    hint.innerHTML = '';
    hint.append(`${sound.name} · ${sound.seconds.toFixed(1)} s  `);
    const change = document.createElement('strong');
    change.textContent = 'change';
    hint.append(change);
    player.src = sound.url;
    player.hidden = false;
    if (role === 'style') ui.duration.value = Math.min(sound.seconds, state.config.limits.max_sound_seconds).toFixed(1);
    ui.durationField.hidden = !!state.sounds.content;
  } catch (e) {
    showError(e.message);
  }
  updateStart();
}

async function addStyles(files) {
  clearError();
  for (const file of files) {
    try {
      const image = await upload(file, ui.styleDrop);
      image.weight = 50;
      state.styles.push(image);
    } catch (e) {
      showError(e.message);
    }
  }
  renderStyles();
  updateStart();
}

function renderStyles() {
  ui.styles.replaceChildren();
  const total = state.styles.reduce((sum, s) => sum + s.weight, 0) || 1;
  state.styles.forEach((style, index) => {
    const item = document.createElement('li');
    item.className = 'style-item';
    const thumb = document.createElement('img');
    thumb.src = style.url;
    thumb.alt = '';
    const middle = document.createElement('div');
    const name = document.createElement('div');
    name.className = 'name';
    name.textContent = style.name;
    middle.append(name);
    if (state.styles.length > 1) {
      const blend = document.createElement('label');
      blend.className = 'blend';
      const slider = document.createElement('input');
      slider.type = 'range';
      slider.min = 0; slider.max = 100; slider.value = style.weight;
      slider.setAttribute('aria-label', `Blend of ${style.name}`);
      const share = document.createElement('span');
      share.className = 'share';
      share.textContent = Math.round(100 * style.weight / total) + '%';
      slider.addEventListener('input', () => {
        style.weight = Number(slider.value);
        const sum = state.styles.reduce((s, x) => s + x.weight, 0) || 1;
        ui.styles.querySelectorAll('.share').forEach((el, i) => {
          el.textContent = Math.round(100 * state.styles[i].weight / sum) + '%';
        });
        updateStart();
      });
      blend.append('blend', slider, share);
      middle.append(blend);
    }
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'link';
    remove.textContent = '✕';
    remove.setAttribute('aria-label', `Remove ${style.name}`);
    remove.addEventListener('click', () => {
      URL.revokeObjectURL(style.url);
      state.styles.splice(index, 1);
      renderStyles();
      updateStart();
    });
    item.append(thumb, middle, remove);
    ui.styles.append(item);
  });
}

function wireDrop(drop, input, onFiles) {
  input.addEventListener('change', () => {
    onFiles([...input.files]);
    input.value = '';
  });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    onFiles([...e.dataTransfer.files]);
  });
}
wireDrop(ui.contentDrop, ui.contentInput, (files) => setContent(files[0]));
wireDrop(ui.styleDrop, ui.styleInput, addStyles);
wireDrop(ui.soundStyleDrop, ui.soundStyleInput, (files) => setSound('style', files[0]));
wireDrop(ui.soundContentDrop, ui.soundContentInput, (files) => setSound('content', files[0]));

function updateStart() {
  const weights = state.styles.some((s) => s.weight > 0);
  const painting = state.styles.length && weights && state.config;
  const ready = {
    stylize: painting && state.content,
    texture: painting,
    video: painting && state.clip,
    audio: state.config && state.sounds.style,
  }[state.mode];
  ui.start.disabled = !ready;
}

// What each mode asks for: a texture needs no photo (its step, the photo's weight and colour
// preservation go away); a video takes a clip for the photo; a sound has steps of its own.
function setMode(mode) {
  state.mode = mode;
  state.texture = mode === 'texture';
  const audio = mode === 'audio', video = mode === 'video';
  ui.contentStep.hidden = state.texture || audio;
  ui.stylesStep.hidden = audio;
  ui.audioStep.hidden = !audio;
  ui.contentWeightField.hidden = state.texture;
  ui.preserveField.hidden = state.texture || audio || !(state.config.preserve_colors || []).length;
  for (const field of [ui.modelField, ui.sizeField, ui.tvField, ui.postField]) field.hidden = audio;
  for (const field of document.querySelectorAll('.video-only')) field.hidden = !video;
  ui.durationField.hidden = !audio || !!state.sounds.content;
  ui.contentTitle.textContent = video ? 'Your video clip' : 'Your photo';
  ui.contentInput.accept = video ? 'video/*,.mp4,.mov,.avi,.mkv,.webm' : 'image/png,image/jpeg,image/webp,image/bmp';
  ui.iterationsHint.textContent = video ? 'first frame' : '';
  if (!video && !state.content) ui.contentHint.innerHTML = '<strong>Choose a photo</strong> or drop it here';
  if (video && !state.clip) ui.contentHint.innerHTML = '<strong>Choose a short clip</strong> or drop it here';
  ui.contentThumb.hidden = video || !state.content;
  ui.contentDrop.classList.toggle('filled', !video && !!state.content);
  if (!video && state.content) {
    ui.contentHint.innerHTML = '';
    ui.contentHint.append(`${state.content.name} · ${state.content.width} × ${state.content.height}  `);
  }
  if (video && state.clip) {
    ui.contentHint.innerHTML = '';
    ui.contentHint.append(`${state.clip.name} · ${state.clip.frames} frames`);
  }
  ui.sizeHint.textContent = state.texture ? '(square, px)' : '(longer side, px)';
  ui.start.textContent = { stylize: 'Paint', texture: 'Paint texture', video: 'Paint the clip', audio: 'Make the sound' }[mode];
  const kind = audio ? 'audio' : video ? 'video' : 'image';
  if (kind !== state.kindShown) applyKindDefaults(kind);
  state.kindShown = kind;
  let step = 1;
  for (const num of document.querySelectorAll('.step .num')) {
    if (!num.closest('.step').hidden) num.textContent = String(step++);
  }
  updateStart();
}
for (const radio of document.querySelectorAll('input[name="mode"]')) {
  radio.addEventListener('change', () => { if (radio.checked) setMode(radio.value); });
}

// Every kind of job starts from its command's defaults (impasto stylize / video / audio), within
// the server's limits, set again when the kind changes.
function applyKindDefaults(kind) {
  const config = state.config;
  const { limits } = config;
  const d = kind === 'audio' ? config.audio_defaults || {} : kind === 'video' ? config.video_defaults || {} : config.defaults || {};
  if (d.iterations) ui.iterations.value = Math.min(d.iterations, limits.max_iterations);
  if (d.size) ui.size.value = Math.min(d.size, limits.max_size);
  if (d.frame_iterations) ui.frameIterations.value = Math.min(d.frame_iterations, limits.max_iterations);
  if (d.content_weight !== undefined) ui.contentWeight.value = d.content_weight;
  if (d.style_weight !== undefined) ui.styleWeight.value = d.style_weight;
  if (d.temporal_weight !== undefined) ui.temporalWeight.value = d.temporal_weight;
}

// ---------- jobs ----------

ui.start.addEventListener('click', async () => {
  clearError();
  const request = jobRequest();
  ui.start.disabled = true;
  try {
    const { id } = await api('/api/jobs', {
      method: 'POST', body: JSON.stringify(request), headers: { 'Content-Type': 'application/json' },
    });
    focusJob(id, true);
  } catch (e) {
    showError(e.message);
  } finally {
    updateStart();
  }
});

function jobRequest() {
  if (state.mode === 'audio') {
    const request = {
      kind: 'audio',
      style: state.sounds.style.id,
      iterations: Number(ui.iterations.value),
      content_weight: Number(ui.contentWeight.value),
      style_weight: Number(ui.styleWeight.value),
    };
    if (state.sounds.content) request.content = state.sounds.content.id;
    else request.duration = Number(ui.duration.value);
    return request;
  }
  const total = state.styles.reduce((sum, s) => sum + s.weight, 0);
  const request = {
    mode: state.texture ? 'texture' : 'stylize',
    styles: state.styles.map((s) => ({ image: s.id, weight: s.weight / total })),
    model: ui.model.value,
    size: Number(ui.size.value),
    iterations: Number(ui.iterations.value),
    content_weight: Number(ui.contentWeight.value),
    style_weight: Number(ui.styleWeight.value),
    tv_weight: Number(ui.tvWeight.value),
  };
  if (state.mode === 'video') {
    delete request.mode;
    request.kind = 'video';
    request.content = state.clip.id;
    request.frame_iterations = Number(ui.frameIterations.value);
    request.temporal_weight = Number(ui.temporalWeight.value);
    request.max_frames = Number(ui.maxFrames.value);
  } else if (!state.texture) {
    request.content = state.content.id;
  }
  if (!ui.preserveField.hidden && ui.preserveColors.value) request.preserve_colors = ui.preserveColors.value;
  const post = ui.post.value.split(',').map((f) => f.trim()).filter(Boolean);
  if (post.length) request.post = post;
  return request;
}

ui.cancel.addEventListener('click', async () => {
  if (state.focus == null) return;
  try {
    await api(`/api/jobs/${state.focus}/cancel`, { method: 'POST' });
  } catch (e) {
    showError(e.message);
  }
});

function focusJob(id, pinned) {
  if (state.focus !== id) {
    state.focus = id;
    state.lastPreview.delete(id);
  }
  state.pinned = pinned;
  renderFocus();
  renderGallery();
}

// The running job is shown unless the user chose another one.
function followQueue() {
  const focused = state.jobs.get(state.focus);
  const active = focused && (focused.status === 'running' || focused.status === 'queued');
  if (state.pinned && focused) return;
  if (active) return;
  const running = [...state.jobs.values()].find((j) => j.status === 'running');
  if (running) focusJob(running.id, false);
}

function formatSeconds(s) {
  if (s == null) return '';
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

function renderFocus() {
  const job = state.jobs.get(state.focus);
  if (!job || job.status !== 'done') hidePlayers();
  ui.cancel.hidden = !job || !(job.status === 'running' || job.status === 'queued');
  ui.download.hidden = !job || job.status !== 'done';
  ui.status.classList.toggle('failed', !!job && job.status === 'failed');
  if (!job) {
    ui.status.textContent = 'Nothing running yet.';
    ui.jobNotes.hidden = true;
    ui.progressBar.style.width = '0';
    drawChart(null);
    return;
  }
  const planned = job.planned || job.iterations;
  const fraction = job.status === 'done' ? 1 : planned ? job.iteration / planned : 0;
  ui.progressBar.style.width = `${Math.round(100 * fraction)}%`;
  if (job.status === 'queued') {
    const ahead = [...state.jobs.values()].filter((j) => j.status === 'running' || (j.status === 'queued' && j.id < job.id)).length;
    ui.status.textContent = `Waiting in the queue (${ahead} ahead)…`;
  } else if (job.status === 'running' && job.kind === 'video') {
    const frames = job.frames || 0;
    ui.progressBar.style.width = frames ? `${Math.round(100 * ((job.frame || 1) - 1 + fraction) / frames)}%` : '0';
    ui.status.textContent = job.frame
      ? `Painting frame ${job.frame} of ${frames} · iteration ${job.iteration} of ${planned} · ${job.frames_done || 0} frames done · ${formatSeconds(job.seconds)}`
      : 'Preparing the network, the frames and the optical flow…';
  } else if (job.status === 'running') {
    const eta = job.iteration > 1 && job.seconds ? job.seconds / job.iteration * (planned - job.iteration) : null;
    const verb = job.kind === 'audio' ? 'Composing' : 'Painting';
    ui.status.textContent = job.iteration
      ? `${verb}… iteration ${job.iteration} of ${planned} · ${formatSeconds(job.seconds)}` + (eta != null ? ` · about ${formatSeconds(eta)} left` : '')
      : job.kind === 'audio' ? 'Preparing the sounds…' : 'Preparing the network and the images…';
  } else if (job.status === 'done') {
    const what = job.kind === 'audio' ? `${job.result.seconds.toFixed(1)} s of sound`
      : job.kind === 'video' ? `${job.result.frames} frames of ${job.result.width} × ${job.result.height} px`
        : `${job.result.width} × ${job.result.height} px, ${job.iteration} iterations in ${formatSeconds(job.seconds)}`;
    ui.status.textContent = `Finished: ${what} · saved as ${job.result.file}`;
    ui.download.href = job.result.download;
    ui.download.setAttribute('download', job.result.file);
    ui.download.textContent = `Download ${job.kind === 'audio' ? 'WAV' : job.kind === 'video' ? 'MP4' : 'PNG'}`;
    showResult(job);
  } else if (job.status === 'failed') {
    ui.status.textContent = `This job failed: ${job.error}`;
  } else {
    ui.status.textContent = 'Cancelled.';
  }
  const notes = job.notes || [];
  ui.jobNotes.hidden = !notes.length;
  ui.jobNotes.textContent = notes.map((n) => `Note: ${n}`).join('\n');
  drawChart(job);
}

const STAGE_EMPTY_TEXT = 'Your painting will appear here, stroke by stroke.';

function hidePlayers() {
  ui.stageEmptyText.textContent = STAGE_EMPTY_TEXT;
  for (const player of [ui.resultVideo, ui.resultAudio]) {
    if (player.hidden) continue;
    player.pause();
    player.hidden = true;
    player.removeAttribute('src');
    delete player.dataset.src;
  }
}

// A finished picture on the canvas; a clip plays in place of the picture, a sound under it (the
// last spectrogram, if this page saw one, stays on the canvas).
function showResult(job) {
  if (job.kind === 'image' || !job.kind) {
    hidePlayers();
    showImage(job.result.url, job.id);
    return;
  }
  const player = job.kind === 'video' ? ui.resultVideo : ui.resultAudio;
  if (player.dataset.src !== job.result.url) {
    hidePlayers();
    player.src = job.result.url;
    player.dataset.src = job.result.url;
  }
  player.hidden = false;
  // A clip plays on the canvas; a sound keeps its own last spectrogram there, not another job's picture.
  if (job.kind === 'video' || ui.preview.dataset.job !== String(job.id)) {
    ui.preview.hidden = true;
    ui.stageEmpty.hidden = job.kind === 'video';
    ui.stageEmptyText.textContent = '♪ Listen to the sound below, or download it as a WAV file.';
  }
}

// Loads a new picture off-screen and swaps it in once decoded, so the canvas never flickers.
// data-updates counts every picture shown, data-previews the live ones (the tests read both).
function showImage(url, jobId, live = false) {
  if (ui.preview.dataset.src === url) {
    ui.preview.hidden = false;
    ui.stageEmpty.hidden = true;
    return;
  }
  const next = new Image();
  next.onload = () => {
    if (state.focus !== jobId) return;
    const job = state.jobs.get(jobId);
    if (live && job && job.status === 'done') return;  // a late preview must not replace the result
    if (!ui.resultVideo.hidden) return;
    ui.preview.src = next.src;
    ui.preview.dataset.src = url;
    ui.preview.dataset.job = String(jobId);
    ui.preview.classList.toggle('spectrogram', !!job && job.kind === 'audio');
    ui.preview.hidden = false;
    ui.stageEmpty.hidden = true;
    ui.preview.dataset.updates = String(Number(ui.preview.dataset.updates) + 1);
    if (live) ui.preview.dataset.previews = String(Number(ui.preview.dataset.previews) + 1);
  };
  next.src = url;
}

function renderQueue() {
  const waiting = [...state.jobs.values()].filter((j) => j.status === 'running' || j.status === 'queued');
  ui.queue.replaceChildren();
  ui.queueEmpty.hidden = waiting.length > 0;
  for (const job of waiting) {
    const item = document.createElement('li');
    item.dataset.job = job.id;
    const badge = document.createElement('span');
    badge.className = `badge ${job.status}`;
    badge.textContent = job.status !== 'running' ? 'queued'
      : job.kind === 'video' ? `frame ${job.frame}/${job.frames}` : `${job.iteration}/${job.planned || job.iterations}`;
    const title = document.createElement('span');
    title.className = 'title';
    title.textContent = `#${job.id} ${job.title}`;
    title.title = title.textContent;
    const size = document.createElement('small');
    size.textContent = job.kind === 'audio' ? `sound · ${job.iterations} iterations`
      : `${job.kind === 'video' ? 'video · ' : ''}${job.size} px · ${job.iterations} iterations · ${job.model}`;
    title.append(size);
    const view = document.createElement('button');
    view.type = 'button';
    view.className = 'secondary';
    view.textContent = 'Watch';
    view.addEventListener('click', () => focusJob(job.id, true));
    const cancel = document.createElement('button');
    cancel.type = 'button';
    cancel.className = 'link';
    cancel.textContent = '✕';
    cancel.setAttribute('aria-label', `Cancel job ${job.id}`);
    cancel.addEventListener('click', () => api(`/api/jobs/${job.id}/cancel`, { method: 'POST' }).catch((e) => showError(e.message)));
    item.append(badge, title, view, cancel);
    ui.queue.append(item);
  }
}

function renderGallery() {
  const finished = [...state.jobs.values()].filter((j) => j.status === 'done' || j.status === 'failed').reverse();
  ui.gallery.replaceChildren();
  ui.galleryEmpty.hidden = finished.length > 0;
  for (const job of finished) {
    const item = document.createElement('li');
    item.dataset.job = job.id;
    item.className = job.status + (job.id === state.focus ? ' selected' : '');
    const meta = document.createElement('div');
    meta.className = 'meta';
    const title = document.createElement('b');
    title.textContent = job.title;
    title.title = job.title;
    meta.append(title);
    if (job.status === 'done') {
      // A clip shows its last painted frame; a sound a note.
      let img;
      if (job.kind === 'audio') {
        img = document.createElement('div');
        img.className = 'placeholder sound';
        img.textContent = '♪';
      } else {
        img = document.createElement('img');
        img.src = job.kind === 'video' ? `/api/jobs/${job.id}/frames/${job.result.frames}.png` : job.result.url;
        img.alt = job.title;
        img.loading = 'lazy';
      }
      const line = document.createElement('span');
      line.textContent = job.kind === 'audio' ? `${job.result.seconds.toFixed(1)} s · ${job.created}  `
        : `${job.result.width} × ${job.result.height}${job.kind === 'video' ? ` · ${job.result.frames} frames` : ''} · ${job.created}  `;
      const link = document.createElement('a');
      link.href = job.result.download;
      link.setAttribute('download', job.result.file);
      link.textContent = `${job.kind === 'audio' ? 'WAV' : job.kind === 'video' ? 'MP4' : 'PNG'} ↓`;
      link.addEventListener('click', (e) => e.stopPropagation());
      line.append(link);
      meta.append(line);
      item.append(img, meta);
      item.addEventListener('click', () => focusJob(job.id, true));
    } else {
      const placeholder = document.createElement('div');
      placeholder.className = 'placeholder';
      placeholder.textContent = '⚠';
      const error = document.createElement('span');
      error.textContent = job.error;
      meta.append(error);
      item.append(placeholder, meta);
    }
    ui.gallery.append(item);
  }
}

// ---------- loss chart ----------

// The chart draws every loss term the server reports; known terms keep their colour and label.
const KNOWN_SERIES = {
  total: { label: 'total', color: '#23314f' },
  style: { label: 'style', color: '#c2562c' },
  content: { label: 'content', color: '#3f7d4e' },
  tv: { label: 'smoothness', color: '#c49a2c' },
};
const EXTRA_COLORS = ['#6a4c93', '#1982c4', '#8f2d56', '#5c7457'];

function chartSeries(history) {
  const keys = new Set();
  for (const point of history) for (const key of Object.keys(point.losses || {})) keys.add(key);
  const known = Object.keys(KNOWN_SERIES).filter((key) => keys.has(key));
  const extra = [...keys].filter((key) => !(key in KNOWN_SERIES)).sort();
  return known.map((key) => ({ key, ...KNOWN_SERIES[key] }))
    .concat(extra.map((key, i) => ({ key, label: key, color: EXTRA_COLORS[i % EXTRA_COLORS.length] })));
}

let chartQueued = false;
function scheduleChart() {
  if (chartQueued) return;
  chartQueued = true;
  requestAnimationFrame(() => {
    chartQueued = false;
    drawChart(state.jobs.get(state.focus));
  });
}

function drawChart(job) {
  const canvas = ui.chart;
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = 180;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  g.font = '11px system-ui, sans-serif';
  const history = (job && job.history) || [];
  const pad = { left: 46, right: 12, top: 22, bottom: 22 };
  const plotW = width - pad.left - pad.right, plotH = height - pad.top - pad.bottom;
  if (history.length < 2) {
    g.fillStyle = '#a89c8c';
    g.textAlign = 'center';
    g.fillText(job && job.status !== 'running' && job.status !== 'queued' ? 'Loss history is shown while a job runs.' : 'The losses will be drawn here as the painting forms.', width / 2, height / 2);
    return;
  }
  const SERIES = chartSeries(history);
  // Log scale: losses fall by orders of magnitude.
  let low = Infinity, high = -Infinity;
  for (const point of history)
    for (const s of SERIES) {
      const v = point.losses[s.key];
      if (v > 0) { low = Math.min(low, Math.log10(v)); high = Math.max(high, Math.log10(v)); }
    }
  if (!isFinite(low)) return;
  low = Math.floor(low); high = Math.ceil(high);
  if (high === low) high = low + 1;
  const planned = Math.max(job.planned || job.iterations, history[history.length - 1].iteration);
  const x = (i) => pad.left + plotW * (i / planned);
  const y = (v) => pad.top + plotH * (1 - (Math.log10(v) - low) / (high - low));

  g.strokeStyle = '#eee5d6';
  g.fillStyle = '#a89c8c';
  g.lineWidth = 1;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (let p = low; p <= high; p++) {
    const py = y(Math.pow(10, p));
    g.beginPath(); g.moveTo(pad.left, py); g.lineTo(width - pad.right, py); g.stroke();
    g.fillText(p === 0 ? '1' : `1e${p}`, pad.left - 6, py);
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  for (const i of [0, Math.round(planned / 2), planned]) g.fillText(String(i), x(i), height - pad.bottom + 6);

  let legendX = pad.left;
  g.textAlign = 'left';
  g.textBaseline = 'middle';
  for (const s of SERIES) {
    if (!history.some((p) => p.losses[s.key] > 0)) continue;
    g.strokeStyle = s.color;
    g.lineWidth = s.key === 'total' ? 2.2 : 1.5;
    g.beginPath();
    let started = false;
    for (const point of history) {
      const v = point.losses[s.key];
      if (!(v > 0)) continue;
      if (started) g.lineTo(x(point.iteration), y(v)); else g.moveTo(x(point.iteration), y(v));
      started = true;
    }
    g.stroke();
    g.fillStyle = s.color;
    g.fillRect(legendX, 7, 14, 3);
    g.fillStyle = '#6d6152';
    g.fillText(s.label, legendX + 18, 9);
    legendX += g.measureText(s.label).width + 36;
  }
}
window.addEventListener('resize', scheduleChart);

// ---------- live events ----------

function applyState(jobs) {
  const previous = state.jobs;
  state.jobs = new Map();
  for (const job of jobs) {
    const old = previous.get(job.id);
    // The server sends history only for the running job; progress events extend it here.
    if (!job.history && old && old.history && job.status !== 'running') job.history = old.history;
    state.jobs.set(job.id, job);
  }
  followQueue();
  renderQueue();
  renderGallery();
  renderFocus();
}

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    ui.connection.className = 'connection live';
    ui.connectionText.textContent = 'live';
  });
  events.addEventListener('error', () => {
    ui.connection.className = 'connection down';
    ui.connectionText.textContent = 'reconnecting…';
    // The browser retries by itself unless the server refused the stream (503: too many open
    // studio pages); then try again a little later.
    if (events.readyState === EventSource.CLOSED) {
      ui.connectionText.textContent = 'too many open studio pages; retrying…';
      setTimeout(connect, 10000);
    }
  });
  events.addEventListener('state', (e) => applyState(JSON.parse(e.data).jobs));
  events.addEventListener('progress', (e) => {
    const p = JSON.parse(e.data);
    const job = state.jobs.get(p.id);
    if (!job) return;
    job.iteration = p.iteration;
    job.planned = p.planned;
    job.seconds = p.seconds;
    if (p.frame) {  // a video: which frame, of how many (no losses per iteration)
      job.frame = p.frame;
      job.frames = p.frames;
    }
    if (p.losses) {
      job.losses = p.losses;
      (job.history = job.history || []).push({ iteration: p.iteration, seconds: p.seconds, losses: p.losses });
    }
    if (p.id === state.focus) {
      renderFocus();
      scheduleChart();
    }
    const badge = ui.queue.querySelector(`li[data-job="${p.id}"] .badge`);
    if (badge) badge.textContent = p.frame ? `frame ${p.frame}/${p.frames}` : `${p.iteration}/${p.planned}`;
  });
  events.addEventListener('frame', (e) => {
    const p = JSON.parse(e.data);
    const job = state.jobs.get(p.id);
    if (!job) return;
    job.frames_done = p.frame;
    if (p.id === state.focus) renderFocus();
  });
  events.addEventListener('preview', (e) => {
    const p = JSON.parse(e.data);
    if (p.id !== state.focus) return;
    const job = state.jobs.get(p.id);
    if (job && job.status === 'done') return;
    showImage(`/api/jobs/${p.id}/preview.png?n=${p.count}`, p.id, true);
  });
}

// ---------- start ----------

async function init() {
  try {
    state.config = await api('/api/config');
  } catch (e) {
    showError(e.message);
    return;
  }
  const { limits, models, preserve_colors: preserve } = state.config;
  for (const model of models) {
    const option = document.createElement('option');
    option.value = model.name;
    option.textContent = model.available ? model.label : `${model.label} (weights not installed)`;
    if (!model.available) option.title = model.detail;
    ui.model.append(option);
  }
  // The fields start at the defaults of a command-line run (the server's run plan), within the limits.
  const defaults = state.config.defaults || {};
  if (defaults.size) ui.size.value = defaults.size;
  if (defaults.iterations) ui.iterations.value = defaults.iterations;
  if (defaults.content_weight !== undefined) ui.contentWeight.value = defaults.content_weight;
  if (defaults.style_weight !== undefined) ui.styleWeight.value = defaults.style_weight;
  if (defaults.tv_weight !== undefined) ui.tvWeight.value = defaults.tv_weight;
  ui.size.max = limits.max_size;
  ui.size.value = Math.min(Number(ui.size.value), limits.max_size);
  ui.iterations.max = limits.max_iterations;
  ui.iterations.value = Math.min(Number(ui.iterations.value), limits.max_iterations);
  if (preserve && preserve.length) {
    for (const mode of preserve) {
      const option = document.createElement('option');
      option.value = mode;
      option.textContent = mode;
      ui.preserveColors.append(option);
    }
    ui.preserveField.hidden = false;
  }
  const kinds = state.config.kinds || ['image'];
  ui.modeVideoLabel.hidden = !kinds.includes('video');
  ui.modeAudioLabel.hidden = !kinds.includes('audio');
  ui.modes.hidden = !(state.config.modes || []).includes('texture') && kinds.length < 2;
  ui.limits.textContent = `PNG, JPEG, WebP or BMP up to ${megabytes(limits.max_upload_bytes)} and ` +
    `${Math.round(limits.max_pixels / 1e6)} megapixels` +
    (kinds.includes('video') ? ` · clips up to ${limits.max_clip_frames} frames` : '') +
    (kinds.includes('audio') ? ` · sounds up to ${limits.max_sound_seconds} s` : '') +
    ` · results are saved in ${state.config.output_dir}`;
  if (limits.max_sound_seconds) ui.duration.max = limits.max_sound_seconds;
  updateStart();
  connect();
}

init();
