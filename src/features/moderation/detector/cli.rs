//! `groupops train-detector` and `groupops eval-detect`.

use super::eval::{rows, table, Scored};
use super::train::{parse_tsv_bytes, train};
use super::{Detector, Model, Scratch};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The file beside a model that records the hashes of its training data and of the model.
pub fn sha_file_for(out: &Path) -> PathBuf {
    out.with_extension("sha256")
}

/// The lines of the `.sha256` file.
pub fn sha_lines(tsv: &[u8], model: &[u8], tsv_name: &str, model_name: &str) -> String {
    format!(
        "{}  {tsv_name}\n{}  {model_name}\n",
        hex::encode(Sha256::digest(tsv)),
        hex::encode(Sha256::digest(model))
    )
}

/// Trains from the TSV at `data`, writes the model to `out` and the hashes beside it; returns the
/// report to print (counts, skipped lines, and with `cv` ≥ 2 the cross-validated table).
pub fn train_command(data: &Path, out: &Path, cv: usize) -> Result<String, String> {
    let started = std::time::Instant::now();
    let raw = std::fs::read(data).map_err(|e| format!("cannot read {}: {e}", data.display()))?;
    let dataset = parse_tsv_bytes(&raw);
    if dataset.examples.is_empty() {
        return Err(format!("{}: no usable lines", data.display()));
    }
    let trained = train(&dataset.examples, cv);
    let bytes = trained.model.to_bytes();
    std::fs::write(out, &bytes).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let name = |p: &Path| {
        p.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let sha = sha_lines(&raw, &bytes, &name(data), &name(out));
    let sha_path = sha_file_for(out);
    std::fs::write(&sha_path, &sha)
        .map_err(|e| format!("cannot write {}: {e}", sha_path.display()))?;
    let mut report = format!(
        "read {} examples ({} broken lines skipped), {} near-duplicate clusters\n",
        dataset.examples.len(),
        dataset.skipped,
        trained.clusters
    );
    if !trained.cv_table.is_empty() {
        report.push_str(&format!(
            "{cv}-fold cross-validation, folds grouped by cluster:\n"
        ));
        report.push_str(&trained.cv_table);
    }
    report.push_str(&format!(
        "wrote {} ({} bytes, {} fingerprints) and {}\n{sha}trained in {:.1} s\n",
        out.display(),
        bytes.len(),
        trained.model.fingerprints.len(),
        sha_path.display(),
        started.elapsed().as_secs_f64()
    ));
    Ok(report)
}

/// Scores every line of the TSV at `file` with the model at `model` (or the built-in one) and returns
/// the table.
pub fn eval_command(file: &Path, model: Option<&Path>) -> Result<String, String> {
    let detector = match model {
        Some(path) => {
            let bytes =
                std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            Detector::new(
                Model::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))?,
            )
        }
        None => Detector::shipped(),
    };
    let raw = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let dataset = parse_tsv_bytes(&raw);
    let mut scratch = Scratch::default();
    let t = detector.thresholds();
    let scored: Vec<Scored> = dataset
        .examples
        .iter()
        .map(|ex| Scored {
            spam: ex.spam,
            source: ex.source.clone(),
            probability: detector
                .judge_text(&ex.text, None, t.newcomer, &mut scratch)
                .probability,
        })
        .collect();
    let mut report = format!(
        "{} examples ({} broken lines skipped)\n",
        dataset.examples.len(),
        dataset.skipped
    );
    report.push_str(&table(&rows(&scored, &t), &t));
    Ok(report)
}
