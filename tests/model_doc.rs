//! MODEL.md is what `opioid-sim list model` writes: the equations of `src/model/dynamics.rs`
//! and every documented parameter of `models/heroin.toml`.

use opioid_sim::model::doc::{equations, model_markdown};
use opioid_sim::model::DEFAULT_MODEL_TOML;
use opioid_sim::sensitivity::documented_parameters;

#[test]
fn model_md_is_current_and_names_every_parameter() {
    let generated = model_markdown(DEFAULT_MODEL_TOML, "models/heroin.toml").expect("generates");
    let committed = include_str!("../MODEL.md");
    let params = documented_parameters(DEFAULT_MODEL_TOML, "models/heroin.toml").expect("loads");
    assert!(params.len() > 50);
    for (name, p) in &params {
        let row = format!("| `{name}` | {} |", p.value);
        assert!(
            committed.contains(&row),
            "MODEL.md lacks {name} = {}",
            p.value
        );
    }
    assert!(
        committed.contains(&equations().replace("```text", "```")),
        "MODEL.md lacks the equations"
    );
    assert!(
        generated == committed,
        "MODEL.md is out of date: run `cargo run --release -- list model > MODEL.md`"
    );
}
