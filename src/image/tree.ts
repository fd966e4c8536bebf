// `image tree` (Podman 4's libimage Tree): an image's layers, bottom first, each named
// where it is the top layer of tagged images; with --whatrequires, every layer stacked
// on the image's top layer instead. Layers are told apart by their chain ID (the same
// diff at another depth is another layer, as in containers/storage).
import { createHash } from 'node:crypto';
import { compactSize } from '../util/units.js';

export interface TreeImage {
  id: string;
  names: string[];
  /** Diff IDs, bottom first. */
  layers: string[];
  size: number;
}

interface LayerNode {
  chain: string;
  diffId: string;
  parent: LayerNode | undefined;
  children: LayerNode[];
}

function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIds) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}`);
  }
  return out;
}

/** A tree printed as github.com/disiqueira/gotree prints it. */
interface Printable {
  text: string;
  items: Printable[];
}

function printItems(items: Printable[], indent: string): string {
  let out = '';
  items.forEach((it, i) => {
    const last = i === items.length - 1;
    out += `${indent}${last ? '└── ' : '├── '}${it.text}\n`;
    out += printItems(it.items, indent + (last ? '    ' : '│   '));
  });
  return out;
}

export function imageTree(target: TreeImage, all: TreeImage[], layerSize: (diffId: string) => number, whatRequires: boolean): string {
  const nodes = new Map<string, LayerNode>();
  const topOf = new Map<string, string[]>();
  for (const img of [target, ...all.filter((i) => i.id !== target.id)]) {
    const chains = chainIds(img.layers);
    let parent: LayerNode | undefined;
    chains.forEach((c, i) => {
      let n = nodes.get(c);
      if (!n) {
        n = { chain: c, diffId: img.layers[i]!, parent, children: [] };
        nodes.set(c, n);
        parent?.children.push(n);
      }
      parent = n;
    });
    const top = chains[chains.length - 1];
    if (top !== undefined && img.names.length > 0) topOf.set(top, [...(topOf.get(top) ?? []), ...img.names]);
  }
  const line = (n: LayerNode): string => {
    const tags = topOf.get(n.chain);
    return `ID: ${n.chain.replace(/^sha256:/, '').slice(0, 12)} Size: ${compactSize(layerSize(n.diffId)).padStart(7)}${tags ? ` Top Layer of: [${tags.join(' ')}]` : ''}`;
  };
  const header = [`Image ID: ${target.id.slice(0, 12)}`, `Tags:     [${target.names.join(' ')}]`, `Size:     ${compactSize(target.size)}`, target.layers.length > 0 ? 'Image Layers' : 'No Image Layers'].join('\n');
  const topChain = chainIds(target.layers).pop();
  const top = topChain !== undefined ? nodes.get(topChain) : undefined;
  const items: Printable[] = [];
  if (top && whatRequires) {
    // libimage: a layer with one child or none does not open a level of its own.
    const walk = (n: LayerNode, into: Printable[]): void => {
      const item: Printable = { text: line(n), items: [] };
      into.push(item);
      for (const c of n.children) walk(c, n.children.length <= 1 ? into : item.items);
    };
    walk(top, items);
  } else {
    for (let n = top; n; n = n.parent) items.unshift({ text: line(n), items: [] });
  }
  return `${header}\n${printItems(items, '')}`;
}
