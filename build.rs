//! Embeds the lesson scenarios (`models/scenarios/*.toml`) in the library, so that the explorer
//! offers every one of them as a preset without a second list of their names: a new scenario
//! file is a new preset. Writes `$OUT_DIR/lesson_scenarios.rs`, a table of (name, file text).

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/scenarios");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("models/scenarios is part of the package")
        .filter_map(|entry| {
            let path = entry.expect("a readable entry of models/scenarios").path();
            (path.extension().is_some_and(|e| e == "toml"))
                .then(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .flatten()
        })
        .collect();
    names.sort();
    let mut out = String::from(
        "/// Every lesson scenario file, sorted by name: (file stem, TOML text).\n\
         pub(crate) const LESSON_SCENARIOS: &[(&str, &str)] = &[\n",
    );
    for name in &names {
        let path = dir.join(format!("{name}.toml"));
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("lesson_scenarios.rs");
    std::fs::write(&target, out).expect("OUT_DIR is writable");
}
