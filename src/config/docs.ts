import { DECLARED, SETTINGS } from './settings.js';

/** The README's table of settings, rendered from their declarations (test/ops checks the README holds exactly this). */
export function settingsTable(): string {
  const rows = SETTINGS.map((name) => `| \`${name}\` |${DECLARED[name].shown ? ` ${DECLARED[name].shown} ` : ' '}| ${DECLARED[name].meaning} |`);
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
