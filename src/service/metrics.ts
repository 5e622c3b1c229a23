/**
 * Prometheus metrics of one server (its own registry, so two servers in one process, as in the
 * tests, do not share counters): requests and their latency per route, inference latency per
 * model stage, and the inference queue.
 */
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { InferenceQueue } from './queue';
import type { StreamManager } from './streams';

export class ServiceMetrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'method' | 'route'>;
  readonly inference: Histogram<'model'>;
  readonly sseDropped: Counter;

  constructor(queue: InferenceQueue) {
    collectDefaultMetrics({ register: this.registry, prefix: 'face_reid_' });
    this.requests = new Counter({
      name: 'face_reid_http_requests_total',
      help: 'HTTP requests answered, by route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'face_reid_http_request_duration_seconds',
      help: 'Time from request to response, by route template',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.inference = new Histogram({
      name: 'face_reid_inference_duration_seconds',
      help: 'Model time per request: face-pipeline (decode, detector, landmarks, re-identification), gallery-match (local matrix)',
      labelNames: ['model'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    this.sseDropped = new Counter({
      name: 'face_reid_sse_events_dropped_total',
      help: 'Stream events not sent to a Server-Sent-Events client that was too slow',
      registers: [this.registry],
    });
    new Gauge({
      name: 'face_reid_inference_queue_depth',
      help: 'Requests waiting for inference',
      registers: [this.registry],
      collect() {
        this.set(queue.waiting);
      },
    });
    new Gauge({
      name: 'face_reid_inference_running',
      help: 'Requests in the models now',
      registers: [this.registry],
      collect() {
        this.set(queue.running);
      },
    });
  }

  /** Per stream: frames processed, frames dropped by the source (consumer behind), frame rate. */
  watchStreams(streams: StreamManager): void {
    const each = (set: (name: string, value: number) => void, pick: (i: ReturnType<StreamManager['list']>[number]) => number | null) => {
      for (const info of streams.list()) {
        const v = pick(info);
        if (v !== null) set(info.name, v);
      }
    };
    new Gauge({
      name: 'face_reid_stream_frames',
      help: 'Frames processed by the stream since it started',
      labelNames: ['camera'],
      registers: [this.registry],
      collect() {
        each((camera, v) => this.set({ camera }, v), (i) => i.frames);
      },
    });
    new Gauge({
      name: 'face_reid_stream_dropped_frames',
      help: 'Frames the stream\'s source dropped because processing was behind',
      labelNames: ['camera'],
      registers: [this.registry],
      collect() {
        each((camera, v) => this.set({ camera }, v), (i) => i.framesDropped);
      },
    });
    new Gauge({
      name: 'face_reid_stream_fps',
      help: 'Frame rate of the stream\'s source',
      labelNames: ['camera'],
      registers: [this.registry],
      collect() {
        each((camera, v) => this.set({ camera }, v), (i) => i.fps);
      },
    });
  }

  /** Times `fn` under `model`. */
  async time<T>(model: string, fn: () => Promise<T> | T): Promise<T> {
    const end = this.inference.startTimer({ model });
    try {
      return await fn();
    } finally {
      end();
    }
  }

  /** Counts and times every answered request by its route template (never the raw URL: bounded labels). */
  register(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      this.latency.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
  }
}
