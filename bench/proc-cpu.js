'use strict';
// CPU time and memory of a process read from /proc (Linux), so a benchmark can account for a
// child process (the HTTP server) without its cooperation. CPU times count every thread (the JS
// thread, libuv's pool, OpenVINO's and sharp's threads, V8's GC helpers); the JS thread (the one
// whose id is the process id) is also given on its own, since it is where per-request JavaScript
// (routing, hooks, serialization, logging) is paid. Elsewhere every function returns undefined.
const { readFileSync, readdirSync } = require('node:fs');
const { execFileSync } = require('node:child_process');

const TICK_MS = (() => {
  try {
    return 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  } catch {
    return 10; // the Linux default of 100 ticks per second
  }
})();

/** utime + stime of a /proc stat line, in ms (the command name in parentheses may hold spaces). */
function statMs(text) {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields after the name start at the state (3rd field of stat); utime and stime are the 14th and 15th.
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** { total, js } CPU ms the process has used so far; undefined without /proc or once it has exited. */
function cpuMs(pid) {
  try {
    const total = statMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const js = statMs(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
    return { total, js };
  } catch {
    return undefined;
  }
}

/** Difference of two cpuMs readings (undefined if either is). */
function cpuDelta(before, after) {
  if (!before || !after) return undefined;
  return { total: after.total - before.total, js: after.js - before.js };
}

/** Resident set size in bytes (VmRSS). */
function rssBytes(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** How many threads the process runs. */
function threadCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return undefined;
  }
}

module.exports = { cpuMs, cpuDelta, rssBytes, threadCount, TICK_MS };
