'use strict';
// The media tools the stream tests drive for real: ffmpeg (and ffprobe), mosquitto. A missing one
// fails the test with the script that installs it, never a silent skip.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, readlinkSync } = require('node:fs');

const INSTALL_HINT = 'run `sudo bash scripts/install-media.sh` (Debian packages ffmpeg and mosquitto)';

function requireTool(name, candidates = [name]) {
  for (const candidate of candidates) {
    if (candidate.includes('/') ? existsSync(candidate) : spawnSync('sh', ['-c', `command -v ${candidate}`]).status === 0) return candidate;
  }
  throw new Error(`${name} is not installed: ${INSTALL_HINT}`);
}

function ffmpegPath() {
  return requireTool('ffmpeg', [process.env.FACE_REID_FFMPEG || 'ffmpeg']);
}

function mosquittoPath() {
  return requireTool('mosquitto', ['mosquitto', '/usr/sbin/mosquitto']);
}

/** Runs ffmpeg to completion; throws with its stderr when it fails. */
function runFfmpeg(args, options = {}) {
  const result = spawnSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', ...args], { maxBuffer: 1 << 30, ...options });
  if (result.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** A synthetic test clip (ffmpeg's testsrc2: every frame differs), H.264 in MP4. */
function makeTestClip(file, { width = 320, height = 240, fps = 25, seconds = 2 } = {}) {
  runFfmpeg(['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`, '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file]);
  return file;
}

/** Live children of this process (pid, command name), read from /proc. */
function childProcesses(parent = process.pid) {
  const children = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the parenthesised command: state, ppid, ...
      const close = stat.lastIndexOf(')');
      const [state, ppid] = stat.slice(close + 2).split(' ');
      if (Number(ppid) === parent) children.push({ pid: Number(entry), command: stat.slice(stat.indexOf('(') + 1, close), zombie: state === 'Z' });
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

/** This process's open file descriptors, as what they point to. */
function openFds() {
  const fds = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      fds.push(readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // The descriptor used by readdir itself is gone by now.
    }
  }
  return fds;
}

module.exports = { INSTALL_HINT, ffmpegPath, mosquittoPath, runFfmpeg, makeTestClip, childProcesses, openFds };
