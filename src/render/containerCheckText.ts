// "Check Container…" as text: the six steps, each marked ok, PROBLEM or ?, with what was read.
import type { ContainerCheck } from '../model/containerCheck';
import { explanationHeadline } from './explanationText';

export function renderContainerCheckText(r: ContainerCheck): string {
  const lines = [`Check ${r.container}${r.target ? ` -> ${r.target}` : ''}`, ''];
  if (r.explanation) lines.push(explanationHeadline(r.explanation), '');
  for (const s of r.sections) {
    lines.push(`${s.ok === true ? '[ok]     ' : s.ok === false ? '[PROBLEM]' : '[?]      '} ${s.title}`);
    for (const l of s.lines) lines.push(`            ${l}`);
  }
  return lines.join('\n');
}
