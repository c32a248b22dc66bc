//! The tuning lab's view model: progress while it runs, then the configurations side by side.

use super::producer::{bytes_text, group_digits};
use crate::lesson::lab::{LabResult, LabStatus};

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LabView {
    pub running: bool,
    /// 0..=1000
    pub progress_permille: u32,
    pub progress_text: String,
    /// Column headers: one per configuration.
    pub names: Vec<String>,
    /// Rows of the comparison: label, then one cell per configuration.
    pub rows: Vec<(String, Vec<String>)>,
    /// Bars for the ingestion time, 0..=100 of the slowest.
    pub bars: Vec<(String, u32, String)>,
    pub verdict: Option<String>,
}

pub fn lab_view(lab: &LabStatus) -> LabView {
    let total = lab.total_records.max(1);
    let done = lab.progress;
    let names = lab.names.clone();
    let results = &lab.results;
    let running = !lab.done;
    let progress_text = if running {
        let current = names.get(results.len()).cloned().unwrap_or_default();
        let clock = lab.current_time_ms.map_or(String::new(), |ms| {
            format!(
                ", {}.{} s simulated in this run",
                ms / 1000,
                ms % 1000 / 100
            )
        });
        format!(
            "Running \"{current}\" ({} of {}): {} of {} records acknowledged in all{clock}",
            results.len() + 1,
            names.len(),
            group_digits(done),
            group_digits(total)
        )
    } else {
        format!(
            "Done: {} records in {} runs.",
            group_digits(done),
            names.len()
        )
    };
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let row = |label: &str, f: &dyn Fn(&LabResult) -> String| {
        (label.to_string(), results.iter().map(f).collect::<Vec<_>>())
    };
    rows.push(row("ingestion time (simulated)", &|r| {
        let mut text = format!(
            "{}.{} s",
            r.ingestion_ms / 1000,
            r.ingestion_ms % 1000 / 100
        );
        if !r.finished {
            text.push_str(" (stopped)");
        }
        text
    }));
    rows.push(row("throughput", &|r| {
        format!("{} records/s", group_digits(r.records_per_second()))
    }));
    rows.push(row("Produce requests", &|r| group_digits(r.requests)));
    rows.push(row("records per request", &|r| {
        let x = r.records_per_request_x10();
        format!("{}.{}", x / 10, x % 10)
    }));
    rows.push(row("batches", &|r| group_digits(r.batches)));
    rows.push(row("average batch", &|r| {
        bytes_text(r.average_batch_bytes())
    }));
    rows.push(row("bytes sent / uncompressed", &|r| {
        let t = r.compression_thousandths();
        format!("{}.{}%", t / 10, t % 10)
    }));
    rows.push(row("failed records", &|r| group_digits(r.records_failed)));
    // Then the settings of each run, by their Kafka names.
    if let Some(first) = results.first() {
        for (i, (key, _)) in first.settings.iter().enumerate() {
            rows.push((
                key.clone(),
                results.iter().map(|r| r.settings[i].1.clone()).collect(),
            ));
        }
    }
    if results.is_empty() {
        // No run has finished: nothing to compare yet.
        rows.clear();
    }
    let slowest = results
        .iter()
        .map(|r| r.ingestion_ms)
        .max()
        .unwrap_or(0)
        .max(1);
    let bars = results
        .iter()
        .map(|r| {
            (
                r.name.clone(),
                (r.ingestion_ms * 100 / slowest) as u32,
                format!(
                    "{}.{} s",
                    r.ingestion_ms / 1000,
                    r.ingestion_ms % 1000 / 100
                ),
            )
        })
        .collect();
    let verdict = match &results[..] {
        [a, b, ..] if !running => {
            let (slow, fast) = if a.ingestion_ms >= b.ingestion_ms {
                (a, b)
            } else {
                (b, a)
            };
            let x10 = slow.ingestion_ms * 10 / fast.ingestion_ms.max(1);
            Some(format!(
                "\"{}\" ingested the same records {}.{}x faster than \"{}\", with {}x fewer requests. Nothing here is written in: the times come from the simulated network, brokers and producer.",
                fast.name,
                x10 / 10,
                x10 % 10,
                slow.name,
                slow.requests / fast.requests.max(1)
            ))
        }
        _ => None,
    };
    LabView {
        running,
        progress_permille: (done * 1000 / total) as u32,
        progress_text,
        names,
        rows,
        bars,
        verdict,
    }
}
