import type { FeatureSpec } from './spec.ts';

/**
 * The spec's feature table as Markdown (index, name, group, formula, warm-up,
 * scale): docs/FEATURES.md embeds it and a test keeps the two in step.
 */
export function describeSpec(spec: FeatureSpec): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const lines = ['| # | name | group | formula | warm-up | scale |', '|---:|---|---|---|---:|---|'];
  spec.features.forEach((f, i) => {
    lines.push(`| ${i} | \`${f.name}\` | ${f.group} | ${cell(f.formula)} | ${f.warmup} | ${cell(f.scale)} |`);
  });
  return lines.join('\n');
}
