//! Build-time generation: every `spec/*.yaml` becomes `$OUT_DIR/<name>.rs` through the clientgen
//! library, the same call `clientgen generate` makes, so `src/lib.rs` can include the clients.
//!
//! ```text
//! $OUT_DIR/
//!   audiopod.rs      <- spec/audiopod.yaml    (= generated/audiopod-client/src/client.rs)
//!   audioscrape.rs   <- spec/audioscrape.yaml (= generated/audioscrape-client/src/client.rs)
//!   huntapi.rs       <- spec/huntapi.yaml     (= generated/huntapi-client/src/client.rs)
//! ```

use std::path::{Path, PathBuf};
use std::process::exit;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=spec");
    let Some(out_dir) = std::env::var_os("OUT_DIR").map(PathBuf::from) else {
        eprintln!("generator error: OUT_DIR is not set (run through cargo)");
        exit(1);
    };
    let specs = match spec_files(Path::new("spec")) {
        Ok(specs) => specs,
        Err(e) => {
            eprintln!("generator error: spec/: {e}");
            exit(1);
        }
    };
    for (stem, path) in specs {
        println!("cargo:rerun-if-changed={}", path.display());
        let label = format!("spec/{stem}.yaml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                eprintln!("generator error: {label}: {e}");
                exit(1);
            }
        };
        let settings = clientgen::Settings::new(format!("{stem}-client"), label.as_str());
        match clientgen::generate_module(&text, &settings) {
            Ok(module) => {
                for warning in module.warnings.iter() {
                    println!("cargo:warning={warning}");
                }
                let mut files = std::collections::BTreeMap::new();
                files.insert(PathBuf::from(format!("{stem}.rs")), module.source);
                if let Err(e) = clientgen::write::write_if_changed(&out_dir, &files) {
                    eprintln!("generator error: {e}");
                    exit(1);
                }
            }
            Err(diagnostics) => {
                eprintln!("generator error:\n{diagnostics}");
                exit(1);
            }
        }
    }
}

/// `spec/*.yaml`, sorted by name.
fn spec_files(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) == Some("yaml")
            && let Some(stem) = path.file_stem().and_then(|s| s.to_str())
        {
            out.push((stem.to_string(), path.clone()));
        }
    }
    out.sort();
    Ok(out)
}
