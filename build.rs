//! Embeds the shipped wording (`config/locales/<lang>/*.ftl`) into the binary, so the bot speaks even when
//! started outside the source tree, and asks for a rebuild when migrations or wording change.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=config/locales");
    // Read at run time: a build-script binary may be reused for another checkout of the same crate.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir);
    let mut files = Vec::new();
    let locales = root.join("config/locales");
    for lang in std::fs::read_dir(&locales).expect("config/locales exists") {
        let lang = lang.expect("readable locale folder").path();
        if !lang.is_dir() {
            continue;
        }
        println!("cargo:rerun-if-changed={}", lang.display());
        for file in std::fs::read_dir(&lang).expect("readable locale folder") {
            let file = file.expect("readable wording file").path();
            if file.extension().is_some_and(|ext| ext == "ftl") {
                files.push(file);
            }
        }
    }
    files.sort();
    let mut out = String::from("/// Shipped wording files: (language, file name, text).\npub static SHIPPED: &[(&str, &str, &str)] = &[\n");
    for file in files {
        let lang = file
            .parent()
            .and_then(|p| p.file_name())
            .and_then(|n| n.to_str())
            .expect("utf-8 name");
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .expect("utf-8 name");
        writeln!(
            out,
            "    ({lang:?}, {name:?}, include_str!({:?})),",
            file.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("locales.rs");
    std::fs::write(dest, out).expect("write locales.rs");
}
