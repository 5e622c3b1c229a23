/**
 * Just enough of an OpenVINO IR (v10/v11 XML) to cut a graph: its layers with their attributes and
 * output shapes, its edges, the values of small integer constants (read from the .bin), and an
 * edit that moves the graph's outputs to other ports and drops what then feeds nothing. The XML
 * OpenVINO writes is regular (one `<layer>...</layer>` block per layer, one `<edge .../>` per
 * line), so this reads it with patterns rather than a general XML parser; a graph with nested
 * bodies (Loop, TensorIterator) is refused.
 */

export interface IrLayer {
  id: string;
  name: string;
  type: string;
  /** The attributes of the layer's `<data>` element. */
  data: Record<string, string>;
  /** Output port id -> its dimensions and (when it has them) its tensor names. */
  outputs: Map<string, { dims: number[]; precision?: string; names?: string }>;
  /** Where the layer's block starts and ends in the XML. */
  span: [number, number];
}

export interface IrPort {
  layer: IrLayer;
  port: string;
}

interface IrEdge {
  from: string;
  fromPort: string;
  to: string;
  toPort: string;
  span: [number, number];
}

const LAYER = /<layer\b([^>]*)>([\s\S]*?)<\/layer>/g;
const EDGE = /<edge\b([^>]*?)\/>/g;
const ATTRIBUTE = /([\w-]+)="([^"]*)"/g;

function attributes(text: string): Record<string, string> {
  const found: Record<string, string> = {};
  for (const [, key, value] of text.matchAll(ATTRIBUTE)) found[key] = value;
  return found;
}

function outputPorts(body: string): IrLayer['outputs'] {
  const ports: IrLayer['outputs'] = new Map();
  const section = /<output>([\s\S]*?)<\/output>/.exec(body);
  if (!section) return ports;
  for (const [, head, inner] of section[1].matchAll(/<port\b([^>]*)>([\s\S]*?)<\/port>/g)) {
    const a = attributes(head);
    ports.set(a.id, { dims: [...inner.matchAll(/<dim>(-?\d+)<\/dim>/g)].map((m) => Number(m[1])), precision: a.precision, names: a.names });
  }
  return ports;
}

export class IrGraph {
  readonly layers = new Map<string, IrLayer>();
  readonly #edges: IrEdge[] = [];
  readonly #xml: string;
  readonly #bin: Uint8Array;

  private constructor(xml: string, bin: Uint8Array) {
    this.#xml = xml;
    this.#bin = bin;
    for (const m of xml.matchAll(LAYER)) {
      const head = attributes(m[1]);
      const data = /<data\b([^>]*?)\/?>/.exec(m[2]);
      this.layers.set(head.id, {
        id: head.id,
        name: head.name,
        type: head.type,
        data: data ? attributes(data[1]) : {},
        outputs: outputPorts(m[2]),
        span: [m.index, m.index + m[0].length],
      });
    }
    for (const m of xml.matchAll(EDGE)) {
      const a = attributes(m[1]);
      this.#edges.push({ from: a['from-layer'], fromPort: a['from-port'], to: a['to-layer'], toPort: a['to-port'], span: [m.index, m.index + m[0].length] });
    }
  }

  /** The graph, or undefined for XML this reader does not cover. */
  static parse(xml: string, bin: Uint8Array): IrGraph | undefined {
    if (!/<net\b[^>]*\bversion="1[01]"/.test(xml) || /<body\b/.test(xml)) return undefined;
    const graph = new IrGraph(xml, bin);
    return graph.layers.size > 0 && graph.#edges.length > 0 ? graph : undefined;
  }

  byType(type: string): IrLayer[] {
    return [...this.layers.values()].filter((l) => l.type === type);
  }

  /** The port feeding input `port` of `layer`. */
  producer(layer: IrLayer, port: number): IrPort | undefined {
    const edge = this.#edges.find((e) => e.to === layer.id && e.toPort === String(port));
    const from = edge && this.layers.get(edge.from);
    return from && { layer: from, port: edge.fromPort };
  }

  dims(p: IrPort): number[] | undefined {
    return p.layer.outputs.get(p.port)?.dims;
  }

  /** The values of an integer Const (i32/i64), or undefined for anything else. */
  integers(layer: IrLayer): number[] | undefined {
    const { element_type: type, offset, size } = layer.data;
    if (layer.type !== 'Const' || (type !== 'i64' && type !== 'i32')) return undefined;
    const start = Number(offset);
    const bytes = Number(size);
    const width = type === 'i64' ? 8 : 4;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(bytes) || bytes % width !== 0 || start < 0 || start + bytes > this.#bin.length) return undefined;
    const view = new DataView(this.#bin.buffer, this.#bin.byteOffset + start, bytes);
    const values: number[] = [];
    for (let i = 0; i < bytes; i += width) values.push(width === 8 ? Number(view.getBigInt64(i, true)) : view.getInt32(i, true));
    return values;
  }

  /**
   * The XML with the graph's outputs moved to `outputs` (each gets a Result layer) and every layer
   * that then feeds no output removed, with its edges. The .bin is unchanged: removed constants
   * simply go unread.
   */
  withOutputs(outputs: IrPort[]): string {
    let nextId = Math.max(...[...this.layers.keys()].map(Number)) + 1;
    const results = outputs.map((p) => ({ id: String(nextId++), from: p }));
    // Keep what the new outputs (and the Parameters) reach backwards.
    const kept = new Set<string>();
    const pending = outputs.map((p) => p.layer.id);
    for (const p of this.byType('Parameter')) pending.push(p.id);
    while (pending.length > 0) {
      const id = pending.pop()!;
      if (kept.has(id)) continue;
      kept.add(id);
      for (const e of this.#edges) if (e.to === id) pending.push(e.from);
    }
    const cuts: [number, number][] = [
      ...[...this.layers.values()].filter((l) => !kept.has(l.id)).map((l) => l.span),
      ...this.#edges.filter((e) => !kept.has(e.from) || !kept.has(e.to)).map((e) => e.span),
    ].sort((a, b) => a[0] - b[0]);
    let xml = '';
    let at = 0;
    for (const [start, end] of cuts) {
      xml += this.#xml.slice(at, start).replace(/[ \t]*$/, '');
      at = end;
      if (this.#xml[at] === '\n') at++;
    }
    xml += this.#xml.slice(at);
    const resultLayers = results
      .map(({ id, from }) => {
        const port = from.layer.outputs.get(from.port)!;
        const dims = port.dims.map((d) => `<dim>${d}</dim>`).join('');
        return `\t\t<layer id="${id}" name="${from.layer.name}/sink_port_${from.port}" type="Result" version="opset1">\n\t\t\t<input>\n\t\t\t\t<port id="0" precision="${port.precision ?? 'FP32'}">${dims}</port>\n\t\t\t</input>\n\t\t</layer>\n`;
      })
      .join('');
    const resultEdges = results.map(({ id, from }) => `\t\t<edge from-layer="${from.layer.id}" from-port="${from.port}" to-layer="${id}" to-port="0" />\n`).join('');
    return xml.replace(/([ \t]*)<\/layers>/, `${resultLayers}$1</layers>`).replace(/([ \t]*)<\/edges>/, `${resultEdges}$1</edges>`);
  }
}
