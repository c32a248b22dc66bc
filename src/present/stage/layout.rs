//! Fitting the stage to the screen without scrolling: partition rows flow into side-by-side
//! blocks when there are more than fit one above the other, choosing the number of blocks that
//! keeps both rows and replica cells as large as possible.

use super::{Density, StageView};

/// What the UI measured: the stage's inner size in CSS pixels.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct StageSize {
    pub width: u32,
    pub height: u32,
    /// Presenter mode: larger text, so larger rows.
    pub presenter: bool,
}

/// One line of a block: a topic's header or one of its partitions.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Line {
    Topic { topic: u32, continued: bool },
    Row { topic: u32, row: u32 },
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Fit {
    pub blocks: Vec<Vec<Line>>,
    /// Height of a partition row, in CSS pixels.
    pub row_px: u32,
    /// Height of a topic header.
    pub header_px: u32,
}

/// Width of the partition label and of the offsets column of a block.
const LABEL_PX: u32 = 78;
const OFFSETS_PX: u32 = 64;
/// Rows no taller than this (compact), and no shorter than this.
const MAX_ROW_PX: u32 = 40;
const MIN_ROW_PX: u32 = 12;
/// Replica cells narrower than this get hard to read; narrower than the minimum they are
/// slivers (their LEO label no longer fits), so shorter rows are better.
const GOOD_CELL_PX: u32 = 70;
const MIN_CELL_PX: u32 = 30;
const GOOD_ROW_PX: u32 = 30;
/// The broker header at the top of each block, beyond a topic header's height.
const BLOCK_HEAD_EXTRA_PX: u32 = 14;
/// The gap between lines of a block.
const GAP_PX: u32 = 2;
/// Height of a full record strip row.
const FULL_ROW_PX: u32 = 92;
/// The zoomed row's height in a compact stage.
const ZOOMED_ROW_PX: u32 = 92;

pub fn fit(view: &StageView, size: StageSize) -> Fit {
    let lines = all_lines(view);
    let brokers = view.brokers.len().max(1) as u32;
    let header_px = if size.presenter { 26 } else { 20 };
    // Every block starts with its broker header; every line is followed by a gap.
    let usable = size
        .height
        .saturating_sub(header_px + BLOCK_HEAD_EXTRA_PX + GAP_PX);
    if view.density == Density::Full {
        let (rows, headers) = counts(&lines);
        let free = usable.saturating_sub(headers * (header_px + GAP_PX) + rows * GAP_PX);
        let row_px = (free / rows.max(1)).clamp(40, FULL_ROW_PX + 40);
        return Fit {
            blocks: vec![lines],
            row_px,
            header_px,
        };
    }
    let zoom_px = if view.zoomed.is_some() {
        ZOOMED_ROW_PX
    } else {
        0
    };
    let height = usable.saturating_sub(zoom_px);
    let mut best: Option<(u32, Fit)> = None;
    for blocks in 1..=4u32 {
        let split = split(&lines, blocks);
        let row_px = split
            .iter()
            .map(|b| {
                let (rows, headers) = counts(b);
                (height.saturating_sub(headers * (header_px + GAP_PX)) / rows.max(1))
                    .saturating_sub(GAP_PX)
            })
            .min()
            .unwrap_or(MIN_ROW_PX)
            .min(MAX_ROW_PX);
        if row_px < MIN_ROW_PX {
            continue;
        }
        let block_width = size.width / blocks;
        let (label, offsets) = if size.presenter {
            (LABEL_PX + 12, OFFSETS_PX + 10)
        } else {
            (LABEL_PX, OFFSETS_PX)
        };
        let cell_px = block_width.saturating_sub(label + offsets) / brokers;
        let score = score(row_px, cell_px);
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Fit {
                    blocks: split,
                    row_px,
                    header_px,
                },
            ));
        }
    }
    best.map(|(_, f)| f).unwrap_or_else(|| Fit {
        blocks: split(&lines, 4),
        row_px: MIN_ROW_PX,
        header_px,
    })
}

/// How good a layout is. Any layout without slivers beats every layout with them; among sliver
/// layouts (a narrow stage), the widest cells win.
fn score(row_px: u32, cell_px: u32) -> u32 {
    if cell_px < MIN_CELL_PX {
        cell_px
    } else {
        MIN_CELL_PX
            + (row_px * 100 / GOOD_ROW_PX).min(100)
            + (cell_px * 100 / GOOD_CELL_PX).min(100)
    }
}

/// A block's partition rows and topic headers.
fn counts(block: &[Line]) -> (u32, u32) {
    let rows = block
        .iter()
        .filter(|l| matches!(l, Line::Row { .. }))
        .count() as u32;
    (rows, block.len() as u32 - rows)
}

fn all_lines(view: &StageView) -> Vec<Line> {
    let mut lines = Vec::new();
    for (t, topic) in view.topics.iter().enumerate() {
        lines.push(Line::Topic {
            topic: t as u32,
            continued: false,
        });
        for r in 0..topic.rows.len() {
            lines.push(Line::Row {
                topic: t as u32,
                row: r as u32,
            });
        }
    }
    lines
}

/// Split the lines into `blocks` blocks of about equal length; a block that starts inside a
/// topic repeats its header.
fn split(lines: &[Line], blocks: u32) -> Vec<Vec<Line>> {
    let per_block = (lines.len() as u32).div_ceil(blocks).max(1) as usize;
    let mut out: Vec<Vec<Line>> = Vec::new();
    let mut current_topic = 0;
    for line in lines {
        if let Line::Topic { topic, .. } = line {
            current_topic = *topic;
        }
        let full = out.last().is_none_or(|b| b.len() >= per_block);
        if full && out.len() < blocks as usize {
            out.push(Vec::new());
            if matches!(line, Line::Row { .. }) {
                out.last_mut().expect("pushed").push(Line::Topic {
                    topic: current_topic,
                    continued: true,
                });
            }
        }
        out.last_mut().expect("a block exists").push(*line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::present::stage::{stage_view, StageOptions};

    fn classroom() -> StageView {
        let lesson = crate::lesson::builtin::load("classroom-scale").unwrap();
        let mut world = lesson.world(lesson.seed);
        world.run_until(crate::sim::SimTime::from_ms(20_000), 1_000_000);
        stage_view(&world, &StageOptions::default())
    }

    /// What a block's lines take: its broker header, then each line and its gap.
    fn block_px(fit: &Fit, block: &[Line]) -> u32 {
        let (rows, headers) = counts(block);
        fit.header_px
            + BLOCK_HEAD_EXTRA_PX
            + GAP_PX
            + headers * (fit.header_px + GAP_PX)
            + rows * (fit.row_px + GAP_PX)
    }

    #[test]
    fn the_classroom_cluster_fits_a_projector_and_a_big_screen() {
        let view = classroom();
        // A projector, a projector with a side panel open, a big screen.
        for (width, height) in [(900, 495), (520, 495), (1500, 860)] {
            let size = StageSize {
                width,
                height,
                presenter: false,
            };
            let fit = fit(&view, size);
            let shown: usize = fit
                .blocks
                .iter()
                .flatten()
                .filter(|l| matches!(l, Line::Row { .. }))
                .count();
            assert_eq!(shown, 38, "every partition row is placed");
            let blocks = fit.blocks.len() as u32;
            let cell =
                (width / blocks).saturating_sub(LABEL_PX + OFFSETS_PX) / view.brokers.len() as u32;
            if width >= 900 {
                assert!(
                    cell >= MIN_CELL_PX,
                    "{width}x{height}: {blocks} blocks leave {cell} px cells"
                );
            } else {
                // Too narrow for good cells: the fewest blocks whose rows still fit.
                assert_eq!(blocks, 2, "{width}x{height}");
            }
            for block in &fit.blocks {
                assert!(
                    block_px(&fit, block) <= height,
                    "{width}x{height}: a block of {} px in {height} px (row {} px)",
                    block_px(&fit, block),
                    fit.row_px
                );
            }
        }
    }
}
