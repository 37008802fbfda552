/** The declaration every XML file we write starts with. */
export const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** C0 control characters XML 1.0 has no place for (tab, LF and CR are allowed). */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g;

/**
 * Text for XML: without the control characters XML 1.0 has no place for (a label pasted with one
 * still makes a valid file), `&`, `<` and `>` escaped.
 *
 * @example xmlText('A&B <1>') === 'A&amp;B &lt;1&gt;'
 */
export const xmlText = (s: string): string =>
  s.replace(CONTROL, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An attribute value for XML (in double quotes): as {@link xmlText}, and `"`, tab, LF and CR as references. */
export const xmlAttribute = (s: string): string =>
  xmlText(s).replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
