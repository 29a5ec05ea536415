/**
 * Tenant output is untrusted: a line can carry escape sequences that move the cursor, retitle
 * the window, rewrite earlier lines or hide text in the operator's terminal. These go before
 * anything is printed.
 */

// CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), DCS/SOS/PM/APC strings, other ESC pairs,
// then C0 controls but tab, DEL and C1 controls.
const SEQUENCES =
  /\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][\s\S]*?(?:\x07|\x1b\\|$)|\x1b[@-Z\\-_]?|[\x00-\x08\x0a-\x1f\x7f\u0080-\u009f]/g;

/** `text` without terminal control sequences or control characters (tabs stay). */
export function stripControlSequences(text: string): string {
  return text.replace(SEQUENCES, "");
}
