// The service's page: identities with thumbnails, enrolment from an upload or the camera,
// identification of a photo with the boxes drawn, and the streams' live events. Plain browser
// JavaScript on the service's own v1 API (no build step); the API key lives in sessionStorage
// only, so closing the tab forgets it.
'use strict';

const $ = (id) => document.getElementById(id);
const KEY_ITEM = 'ov-face-reid.api-key';
let apiKey = sessionStorage.getItem(KEY_ITEM) || '';

/** fetch with the key; a JSON error body becomes an Error carrying its message and code. */
async function api(path, init = {}) {
  const headers = new Headers(init.headers || {});
  if (apiKey) headers.set('x-api-key', apiKey);
  const response = await fetch(path, { ...init, headers });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body && body.message) message = `${body.message}${body.code ? ` [${body.code}]` : ''}`;
    } catch { /* not JSON: keep the status line */ }
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return response;
}

function setStatus(element, text, isError = false) {
  element.textContent = text;
  element.classList.toggle('error', isError);
}

function displayName(label) {
  return label.replace(/_/g, ' ');
}

// --- identities --------------------------------------------------------------------------

// Object URLs of the thumbnails shown now, released when the list is drawn again.
let thumbnailUrls = [];

async function thumbnailUrl(identity, made) {
  // Identities enrolled without the service (the CLI, the library) have no thumbnail.
  if (!identity.thumbnail) return null;
  try {
    const response = await api(`/v1/identities/${encodeURIComponent(identity.label)}/thumbnail`);
    const url = URL.createObjectURL(await response.blob());
    made.push(url);
    return url;
  } catch {
    return null; // removed meanwhile: the placeholder is right
  }
}

// Refreshes can overlap (an enrolment finishing while a removal redraws); only the newest
// one may draw, or an older listing could put back an identity just removed.
let refreshGeneration = 0;

async function refreshIdentities() {
  const list = $('identities');
  const generation = ++refreshGeneration;
  try {
    const { identities } = await (await api('/v1/identities')).json();
    if (generation !== refreshGeneration) return;
    const made = [];
    const items = await Promise.all(identities.map(async (identity) => {
      const item = document.createElement('li');
      item.dataset.label = identity.label;
      const url = await thumbnailUrl(identity, made);
      const picture = document.createElement(url ? 'img' : 'div');
      if (url) {
        picture.src = url;
        picture.alt = displayName(identity.label);
      } else picture.className = 'no-thumb';
      const name = document.createElement('div');
      name.className = 'name';
      name.textContent = displayName(identity.label);
      const count = document.createElement('div');
      count.className = 'muted';
      count.textContent = `${identity.samples} sample${identity.samples === 1 ? '' : 's'}`;
      const remove = document.createElement('button');
      remove.type = 'button';
      remove.className = 'secondary';
      remove.textContent = 'Remove';
      remove.addEventListener('click', () => removeIdentity(identity.label));
      item.append(picture, name, count, remove);
      return item;
    }));
    if (generation !== refreshGeneration) {
      for (const url of made) URL.revokeObjectURL(url);
      return;
    }
    // The count and the list change together, so whoever reads one may trust the other.
    $('identity-count').textContent = `(${identities.length})`;
    list.replaceChildren(...items);
    for (const url of thumbnailUrls) URL.revokeObjectURL(url);
    thumbnailUrls = made;
  } catch (err) {
    if (generation !== refreshGeneration) return;
    $('identity-count').textContent = '';
    list.replaceChildren(Object.assign(document.createElement('li'), { textContent: err.message, className: 'error' }));
  }
}

async function removeIdentity(label) {
  if (!confirm(`Remove ${displayName(label)}, every sample and every sighting?`)) return;
  try {
    await api(`/v1/identities/${encodeURIComponent(label)}`, { method: 'DELETE' });
  } catch (err) {
    alert(err.message);
  }
  await refreshIdentities();
}

// --- enrolment ---------------------------------------------------------------------------

async function enrol(blob, source) {
  const label = $('enrol-label').value.trim();
  const status = $('enrol-status');
  if (!label) return setStatus(status, 'Enter a name first.', true);
  setStatus(status, 'Enrolling…');
  try {
    const query = source ? `?source=${encodeURIComponent(source)}` : '';
    const response = await api(`/v1/identities/${encodeURIComponent(label)}/samples${query}`, {
      method: 'POST',
      headers: { 'content-type': blob.type || 'image/jpeg' },
      body: blob,
    });
    const result = await response.json();
    const what = { stored: 'enrolled', duplicate: 'already enrolled from this picture', queued: 'queued (the database is offline)' }[result.status] || result.status;
    setStatus(status, `${displayName(result.label)}: ${what}.`);
    await refreshIdentities();
  } catch (err) {
    setStatus(status, err.message, true);
  }
}

$('enrol-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const file = $('enrol-file').files[0];
  if (!file) return setStatus($('enrol-status'), 'Choose a photo, or use the camera.', true);
  enrol(file);
});

let cameraStream = null;
$('camera-start').addEventListener('click', async () => {
  const video = $('camera-video');
  try {
    cameraStream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false });
    video.srcObject = cameraStream;
    video.hidden = false;
    $('camera-snap').hidden = false;
    await video.play();
  } catch (err) {
    setStatus($('enrol-status'), `No camera: ${err.message}`, true);
  }
});

$('camera-snap').addEventListener('click', () => {
  const video = $('camera-video');
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext('2d').drawImage(video, 0, 0);
  canvas.toBlob((blob) => blob && enrol(blob, `camera-${Date.now()}`), 'image/jpeg', 0.92);
});

// --- identification ----------------------------------------------------------------------

function drawFaces(image, faces) {
  const canvas = $('identify-canvas');
  const scale = Math.min(1, 960 / image.naturalWidth);
  canvas.width = Math.round(image.naturalWidth * scale);
  canvas.height = Math.round(image.naturalHeight * scale);
  const g = canvas.getContext('2d');
  g.drawImage(image, 0, 0, canvas.width, canvas.height);
  g.lineWidth = 3;
  g.font = '600 15px system-ui, sans-serif';
  const boxes = faces.map((face, i) => {
    const known = face.label !== 'Unknown';
    const b = face.box;
    return { i, known, face, color: known ? '#00c853' : '#ff9100', x: b.x * scale, y: b.y * scale, w: b.width * scale, h: b.height * scale };
  });
  for (const b of boxes) {
    g.strokeStyle = b.color;
    g.strokeRect(b.x, b.y, b.w, b.h);
  }
  // Captions after every box, the named faces last: in a crowd an Unknown's caption never covers
  // a name. Named faces are captioned above their box, Unknown ones below, numbered as the list.
  for (const b of [...boxes.filter((x) => !x.known), ...boxes.filter((x) => x.known)]) {
    const caption = b.known ? `${b.i + 1} ${displayName(b.face.label)} ${b.face.similarity.toFixed(2)}` : `${b.i + 1} Unknown`;
    const width = g.measureText(caption).width + 8;
    const top = b.known ? Math.max(0, b.y - 22) : Math.min(canvas.height - 22, b.y + b.h);
    const left = Math.max(0, Math.min(canvas.width - width, b.x - 1.5));
    g.fillStyle = b.color;
    g.fillRect(left, top, width, 22);
    g.fillStyle = '#fff';
    g.fillText(caption, left + 4, top + 16);
  }
}

$('identify-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = $('identify-file').files[0];
  const status = $('identify-status');
  if (!file) return;
  setStatus(status, 'Identifying…');
  try {
    const response = await api('/v1/identify', { method: 'POST', headers: { 'content-type': file.type || 'image/jpeg' }, body: file });
    const { faces } = await response.json();
    const image = new Image();
    image.src = URL.createObjectURL(file);
    await image.decode();
    drawFaces(image, faces);
    $('identify-faces').replaceChildren(...faces.map((face) => {
      const known = face.label !== 'Unknown';
      return Object.assign(document.createElement('li'), {
        className: known ? 'known' : 'unknown',
        textContent: known ? `${displayName(face.label)} (similarity ${face.similarity.toFixed(3)})` : 'Unknown',
      });
    }));
    setStatus(status, `${faces.length} face${faces.length === 1 ? '' : 's'} found.`);
  } catch (err) {
    setStatus(status, err.message, true);
  }
});

// --- live events (Server-Sent Events read through fetch, so the key goes in a header) -----

let eventsAbort = null;
async function followEvents() {
  eventsAbort?.abort();
  eventsAbort = new AbortController();
  const status = $('events-status');
  try {
    const response = await api('/v1/events', { headers: { accept: 'text/event-stream' }, signal: eventsAbort.signal });
    setStatus(status, 'connected: the events of every stream appear here');
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
        if (data) showEvent(JSON.parse(data));
      }
    }
    setStatus(status, 'disconnected');
  } catch (err) {
    if (err.name === 'AbortError') return;
    setStatus(status, err.message, true);
  }
}

/** One line per event: time, camera, what happened, the track and who it is (label or visitor-<n>). */
function showEvent(event) {
  const list = $('events');
  const who = event.label ? `${displayName(event.label)}${event.returning ? ' (returning)' : ''}` : '';
  const item = document.createElement('li');
  item.textContent = `${(event.at || '').slice(11, 19)} ${event.camera} ${event.type} track ${event.track} ${who}`.replace(/\s+/g, ' ').trim();
  list.prepend(item);
  while (list.children.length > 200) list.lastChild.remove();
}

// --- key ---------------------------------------------------------------------------------

function useKey(key) {
  apiKey = key;
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
  $('key-state').textContent = key ? 'key set' : 'no key';
  if (!key) {
    // Every API route needs a key: ask for one rather than show the 401s.
    eventsAbort?.abort();
    $('identity-count').textContent = '';
    $('identities').replaceChildren(Object.assign(document.createElement('li'), { textContent: 'Enter an API key above.', className: 'muted' }));
    setStatus($('events-status'), 'not connected');
    return;
  }
  refreshIdentities();
  followEvents();
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  useKey($('api-key').value.trim());
});

$('api-key').value = apiKey;
useKey(apiKey);
