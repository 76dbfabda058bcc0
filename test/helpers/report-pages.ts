/** Reads back what the HTML report writers put in their pages: the embedded profile JSON. */

/** The JSON a flamegraph page embeds, parsed the way the page's own script does. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function embeddedData(html: string): any {
  const match = /<script type="application\/json" id="profile-data">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error('no embedded data');
  return JSON.parse(match[1]);
}
