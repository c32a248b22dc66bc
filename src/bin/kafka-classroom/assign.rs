//! `kafka-classroom assign`: runs one consumer assignor case (the format of
//! tests/data/assignor_vectors.json) read from stdin and prints the assignment as JSON. A case the
//! parser rejects is a user error: one line on stderr and exit code 2, never a panic.

use kafka_classroom::kafka::assignor::case::run_case_json;
use std::io::Read;
use std::process::ExitCode;

/// Exit code for input the command cannot use (as `sysexits`' usage errors and most CLIs do).
const BAD_INPUT: u8 = 2;

pub fn run(args: &[String]) -> ExitCode {
    if let Some(extra) = args.first() {
        return bad_input(&format!(
            "assign takes no arguments (got \"{extra}\"); pipe one case into stdin, e.g. \
             echo '{{\"assignor\": \"range\", \"partitionsPerTopic\": {{\"t\": 2}}, \
             \"members\": [{{\"id\": \"c1\", \"topics\": [\"t\"]}}]}}' | kafka-classroom assign"
        ));
    }
    let mut input = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut input) {
        return bad_input(&format!("cannot read the case from stdin: {e}"));
    }
    match run_case_json(&input) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => bad_input(&message),
    }
}

fn bad_input(message: &str) -> ExitCode {
    // serde_json's messages are single lines already; keep the promise for any other text.
    let one_line = message.replace('\n', " ");
    eprintln!("error: {one_line}");
    ExitCode::from(BAD_INPUT)
}
