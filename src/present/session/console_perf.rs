//! The session's side of `kafka-producer-perf-test.sh`: after every step, the perf test's
//! producer's sends and acknowledgements feed its statistics (`console::perf_test`); its window
//! lines print as simulated time passes, its total once every record completed. The same for
//! `kafka-consumer-perf-test.sh`: its consumer's polls and rebalances feed its loop
//! (`console::consumer_perf_stats`).

use super::console::Running;
use super::Session;
use crate::kafka::event::{Event, SendError};
use crate::kafka::KafkaStep;
use crate::present::console::{self, Foreground, Line, Stream};

impl Session {
    /// Called after every step while a perf test holds the console.
    pub(super) fn console_perf_observe(&mut self, step: &KafkaStep) {
        let now = self.world.now().as_ms();
        let serials = |producer: u32| {
            let model = self.world.model();
            model.producers.get(&producer).map_or(0, |p| p.next_serial)
        };
        let next = match &self.console_running {
            Some(Running {
                tool: Foreground::PerfTest(run),
                ..
            }) => serials(run.producer),
            _ => return,
        };
        let Some(Running {
            tool: Foreground::PerfTest(run),
            ..
        }) = &mut self.console_running
        else {
            return;
        };
        if !run.started {
            run.start(now);
        }
        run.sent_up_to(next, now);
        let mut lines = Vec::new();
        for event in &step.events {
            for (serial, outcome) in perf_outcomes(event, run.producer) {
                let line = match outcome {
                    Ok(()) => run.acked(serial, now).map(|text| (Stream::Out, text)),
                    Err(text) => run.failed(serial, text).map(|text| (Stream::Err, text)),
                };
                lines.extend(line.map(|(stream, text)| Line { stream, text }));
            }
        }
        let total = run.done().then(|| run.stats.total_line(now));
        self.console_print(lines);
        if let Some(text) = total {
            self.console_print(vec![Line {
                stream: Stream::Out,
                text,
            }]);
            self.console_stop(0);
        }
    }
}

/// What `event` says about producer `p{producer}`'s records: acknowledged, or failed with the
/// exception its callback prints.
fn perf_outcomes(event: &Event, producer: u32) -> Vec<(u32, Result<(), String>)> {
    const ERRORS: &str = "org.apache.kafka.common.errors";
    match event {
        Event::ProduceAcked {
            producer: p,
            records,
            ..
        } if *p == producer => records.iter().map(|r| (r.serial, Ok(()))).collect(),
        Event::ProduceFailed {
            producer: p,
            records,
            retrying: false,
            error,
            ..
        } if *p == producer => {
            let text = format!("{ERRORS}.{}", error.exception_name());
            records
                .iter()
                .map(|r| (r.serial, Err(text.clone())))
                .collect()
        }
        Event::SendTimedOut {
            producer: p,
            record,
            after_ms,
        } if *p == producer => {
            let text = format!(
                "{ERRORS}.TimeoutException: send() blocked for {after_ms} ms (max.block.ms)"
            );
            vec![(record.serial, Err(text))]
        }
        Event::SendRejected {
            producer: p,
            record,
            error,
        } if *p == producer => {
            let text = match error {
                SendError::RecordTooLarge { size, max_request_size } => format!("{ERRORS}.RecordTooLargeException: The message is {size} bytes when serialized which is larger than {max_request_size}, which is the value of the max.request.size configuration."),
                other => format!("{ERRORS}.SerializationException: {other:?}"),
            };
            vec![(record.serial, Err(text))]
        }
        _ => Vec::new(),
    }
}

impl Session {
    /// Called after every step while a consumer perf test holds the console: its consumer's
    /// rebalances and polls feed `ConsumerPerformance.consume`'s loop; when the loop ends the
    /// tool prints its summary and closes the consumer.
    pub(super) fn console_consumer_perf_observe(&mut self, step: &KafkaStep) {
        let now = self.world.now().as_ms();
        let Some(Running {
            tool: Foreground::ConsumerPerf(run),
            ..
        }) = &self.console_running
        else {
            return;
        };
        let consumer = run.consumer;
        let mut polled = Vec::new();
        let mut rebalances = Vec::new();
        for event in &step.events {
            match event {
                Event::PartitionsRevoked { consumer: c, .. } if *c == consumer => {
                    rebalances.push(false)
                }
                Event::PartitionsAssigned { consumer: c, .. } if *c == consumer => {
                    rebalances.push(true)
                }
                Event::RecordsPolled {
                    consumer: c,
                    records,
                    ..
                } if *c == consumer => {
                    polled.extend(records.iter().map(|(tp, offset, _)| (*tp, *offset)));
                }
                _ => {}
            }
        }
        let sizes = console::consumer::record_sizes(self.world.model(), &polled);
        let Some(Running {
            tool: Foreground::ConsumerPerf(run),
            ..
        }) = &mut self.console_running
        else {
            return;
        };
        if !run.started {
            run.start(now);
        }
        for assigned in rebalances {
            match assigned {
                true => run.assigned(now),
                false => run.revoked(now),
            }
        }
        let mut lines = run.polled(now, &sizes);
        let ended = run.ending(now).is_some();
        if ended {
            lines.extend(run.final_lines(now));
        }
        self.console_print(lines.into_iter().map(out).collect());
        if ended {
            self.console_stop(0);
        }
    }
}

fn out(text: String) -> Line {
    Line {
        stream: Stream::Out,
        text,
    }
}
