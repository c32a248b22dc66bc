//! The one-file lesson: a single HTML page holding the app (its wasm as base64, its JavaScript
//! glue and its stylesheet, all inline) and a run (lesson, seed, branches, step), so a teacher can
//! carry a prepared run on a stick and open it from disk with no network.
//!
//! The site's own content security policy forbids inline scripts and styles. This file has its
//! own policy instead, just as strict in spirit: nothing loads from anywhere (`default-src
//! 'none'`), and the one inline script and the one inline stylesheet run only because their
//! SHA-256 hashes are listed in it: a script injected into the page some other way would not
//! run. `'wasm-unsafe-eval'` lets the inline wasm compile; style attributes stay allowed as on the
//! site (the stage positions its rows with them). The run travels in a `<meta>` tag as base64url
//! text, which no script runs and no markup can break out of.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

/// The `<meta>` name the page reads its embedded run from.
pub const RUN_META: &str = "kafka-classroom-run";

/// The app's parts as the site serves them.
pub struct AppParts<'a> {
    /// The wasm-bindgen glue (an ES module ending in `export { ..., X as default }`).
    pub glue: &'a str,
    pub wasm: &'a [u8],
    pub css: &'a str,
}

/// The one-file page for `run_file` (a run file's text, see `share::write_run_file`).
pub fn one_file_html(app: &AppParts, title: &str, run_file: &str) -> Result<String, String> {
    let init = default_export(app.glue).ok_or(
        "the page's code does not have the expected shape (no default export to start it)",
    )?;
    if app.glue.contains("</script") || app.css.contains("</style") {
        return Err("the page's code contains a closing tag and cannot be inlined".into());
    }
    let script = format!(
        "{glue}\nconst b64 = \"{wasm}\";\nconst bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));\nawait {init}({{ module_or_path: bytes }});\n",
        glue = app.glue,
        wasm = STANDARD.encode(app.wasm),
    );
    let policy = format!(
        "default-src 'none'; script-src '{}' 'wasm-unsafe-eval'; style-src '{}'; style-src-attr 'unsafe-inline'; img-src data:; object-src 'none'; base-uri 'none'; form-action 'none'",
        csp_hash(&script),
        csp_hash(app.css)
    );
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\" />\n<meta name=\"{RUN_META}\" content=\"{run}\" />\n<title>{title} (Kafka Classroom, offline)</title>\n<link rel=\"icon\" href=\"data:,\" />\n<style>{css}</style>\n<script type=\"module\">{script}</script>\n</head>\n<body>\n<noscript>Kafka Classroom needs JavaScript and WebAssembly.</noscript>\n</body>\n</html>\n",
        run = URL_SAFE_NO_PAD.encode(run_file),
        title = escape_text(title),
        css = app.css,
    ))
}

/// The run a one-file page carries (the `<meta>` tag's content), as run file text.
pub fn embedded_run(meta_content: &str) -> Result<String, String> {
    let bytes = URL_SAFE_NO_PAD
        .decode(meta_content.trim())
        .map_err(|e| format!("the page's run is damaged ({e})"))?;
    String::from_utf8(bytes).map_err(|_| "the page's run is not text".into())
}

/// The local name the glue exports as `default` (`export { initSync, __wbg_init as default }`).
fn default_export(glue: &str) -> Option<&str> {
    let at = glue.rfind(" as default")?;
    let before = &glue[..at];
    let start = before
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .map_or(0, |i| i + 1);
    let name = &before[start..];
    (!name.is_empty()).then_some(name)
}

fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A CSP source for inline content: `sha256-` and the base64 of its SHA-256.
pub fn csp_hash(text: &str) -> String {
    format!("sha256-{}", STANDARD.encode(sha256(text.as_bytes())))
}

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

/// SHA-256 (FIPS 180-4), for the policy's hashes.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in msg.chunks(64) {
        compress(&mut h, block);
    }
    let mut out = [0u8; 32];
    for (i, word) in h.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_be_bytes());
    }
    out
}

fn compress(h: &mut [u32; 8], block: &[u8]) {
    let mut w = [0u32; 64];
    for i in 0..16 {
        w[i] = u32::from_be_bytes([
            block[i * 4],
            block[i * 4 + 1],
            block[i * 4 + 2],
            block[i * 4 + 3],
        ]);
    }
    for i in 16..64 {
        let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
        let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16]
            .wrapping_add(s0)
            .wrapping_add(w[i - 7])
            .wrapping_add(s1);
    }
    let mut v = *h;
    for i in 0..64 {
        let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
        let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
        let t1 = v[7]
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(K[i])
            .wrapping_add(w[i]);
        let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
        let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
        let t2 = s0.wrapping_add(maj);
        v = [
            t1.wrapping_add(t2),
            v[0],
            v[1],
            v[2],
            v[3].wrapping_add(t1),
            v[4],
            v[5],
            v[6],
        ];
    }
    for (a, b) in h.iter_mut().zip(v) {
        *a = a.wrapping_add(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn sha256_matches_the_standard_vectors() {
        assert_eq!(
            hex(&sha256(b"")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha256(
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
            )),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        let million = vec![b'a'; 1_000_000];
        assert_eq!(
            hex(&sha256(&million)),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    const GLUE: &str = "export function lab_worker_run(r) {}\nasync function __wbg_init(m) {}\nexport { initSync, __wbg_init as default };\n";

    #[test]
    fn the_page_inlines_everything_and_its_policy_lists_exactly_its_hashes() {
        let app = AppParts {
            glue: GLUE,
            wasm: &[0, 97, 115, 109, 1, 0, 0, 0],
            css: "body { color: red; }",
        };
        let page = one_file_html(&app, "Tom & <Jerry>", "{\"run\": 1}").unwrap();
        let script = between(&page, "<script type=\"module\">", "</script>");
        let style = between(&page, "<style>", "</style>");
        assert!(script.contains("await __wbg_init({ module_or_path: bytes })"));
        assert!(script.contains("AGFzbQEAAAA"), "the wasm, base64");
        assert!(page.contains(&format!("script-src '{}'", csp_hash(script))));
        assert!(page.contains(&format!("style-src '{}'", csp_hash(style))));
        assert!(page.contains("default-src 'none'"));
        assert!(page.contains("Tom &amp; &lt;Jerry&gt;"));
        assert!(
            !page.contains("src=\"") && !page.contains("href=\"/"),
            "nothing loads"
        );
        let meta = between(&page, &format!("name=\"{RUN_META}\" content=\""), "\"");
        assert_eq!(embedded_run(meta).unwrap(), "{\"run\": 1}");
    }

    #[test]
    fn a_glue_of_another_shape_is_an_error_not_a_broken_page() {
        let app = AppParts {
            glue: "export default 1;",
            wasm: &[],
            css: "",
        };
        assert!(one_file_html(&app, "t", "{}")
            .unwrap_err()
            .contains("expected shape"));
        let app = AppParts {
            glue: GLUE,
            wasm: &[],
            css: "</style><script>",
        };
        assert!(one_file_html(&app, "t", "{}").is_err());
        assert!(embedded_run("%%%").unwrap_err().contains("damaged"));
    }

    fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
        let from = text.find(start).unwrap() + start.len();
        let len = text[from..].find(end).unwrap();
        &text[from..from + len]
    }
}
