//! The drawing over the stage as SVG paths: each message in flight a shape (by kind, so kinds
//! stay apart without colour) with a short fading tail, each cut link a dashed line with a
//! cross, each message just dropped a cross. Pure geometry: the UI measures where the anchors
//! are and sets the paths' `d` and `class`; colours come from the stylesheet by class.

use super::{Dot, DotKind, DropMark, LinkCut};
use std::fmt::Write;

/// One SVG path: its geometry and its class (which picks fill or stroke and colour).
#[derive(Clone, PartialEq, Debug)]
pub struct Mark {
    pub d: String,
    pub class: &'static str,
}

/// Everything to draw, in painting order (cuts, crosses, then dots on top). `locate` gives the
/// centre of the first existing element of a list of ids, relative to the stage.
pub fn marks(
    dots: &[Dot],
    cuts: &[LinkCut],
    drops: &[DropMark],
    mut locate: impl FnMut(&[String]) -> Option<(f64, f64)>,
) -> Vec<Mark> {
    let mut out = Vec::with_capacity(cuts.len() * 2 + drops.len() + dots.len() * 2);
    for cut in cuts {
        let (Some(a), Some(b)) = (
            locate(std::slice::from_ref(&cut.from)),
            locate(std::slice::from_ref(&cut.to)),
        ) else {
            continue;
        };
        out.push(Mark {
            d: line(a, b),
            class: if cut.one_way { "cut one-way" } else { "cut" },
        });
        out.push(Mark {
            d: cross(midpoint(a, b), 6.0),
            class: "cross",
        });
    }
    for drop in drops {
        if let (Some(a), Some(b)) = (locate(&drop.from), locate(&drop.to)) {
            out.push(Mark {
                d: cross(midpoint(a, b), 6.0),
                class: "cross",
            });
        }
    }
    for dot in dots {
        let (Some(a), Some(b)) = (locate(&dot.from), locate(&dot.to)) else {
            continue;
        };
        let (tail, at) = along(dot, a, b);
        out.push(Mark {
            d: line(tail, at),
            class: tail_class(dot.kind),
        });
        out.push(Mark {
            d: shape(dot.kind, at),
            class: dot_class(dot.kind),
        });
    }
    out
}

fn midpoint(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)
}

/// Where the dot is and where its tail starts. Requests and responses on the same path keep a
/// few pixels apart.
fn along(dot: &Dot, a: (f64, f64), b: (f64, f64)) -> ((f64, f64), (f64, f64)) {
    let t = f64::from(dot.progress) / 1000.0;
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let side = if dot.response { 4.0 } else { -4.0 };
    let (nx, ny) = (-dy / len * side, dx / len * side);
    let at = (a.0 + dx * t + nx, a.1 + dy * t + ny);
    let tail = (t - 0.12).max(0.0);
    ((a.0 + dx * tail + nx, a.1 + dy * tail + ny), at)
}

fn line(a: (f64, f64), b: (f64, f64)) -> String {
    format!("M{:.1} {:.1}L{:.1} {:.1}", a.0, a.1, b.0, b.1)
}

fn cross((x, y): (f64, f64), r: f64) -> String {
    format!(
        "M{:.1} {:.1}L{:.1} {:.1}M{:.1} {:.1}L{:.1} {:.1}",
        x - r,
        y - r,
        x + r,
        y + r,
        x + r,
        y - r,
        x - r,
        y + r
    )
}

fn circle((x, y): (f64, f64), r: f64) -> String {
    format!(
        "M{:.1} {:.1}a{r} {r} 0 1 0 {} 0a{r} {r} 0 1 0 -{} 0",
        x - r,
        y,
        2.0 * r,
        2.0 * r
    )
}

fn polygon(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{x:.1} {y:.1}", if i == 0 { 'M' } else { 'L' });
    }
    d.push('Z');
    d
}

/// Each kind has its own shape, so kinds stay apart without colour.
fn shape(kind: DotKind, (x, y): (f64, f64)) -> String {
    match kind {
        DotKind::Produce => circle((x, y), 6.0),
        DotKind::Metadata => circle((x, y), 4.0),
        DotKind::Controller => circle((x, y), 5.5),
        DotKind::Replicate => polygon(&[
            (x - 5.0, y - 5.0),
            (x + 5.0, y - 5.0),
            (x + 5.0, y + 5.0),
            (x - 5.0, y + 5.0),
        ]),
        DotKind::Consume => polygon(&[(x, y - 7.0), (x + 6.5, y + 5.0), (x - 6.5, y + 5.0)]),
        DotKind::Group => polygon(&[(x, y - 7.0), (x + 7.0, y), (x, y + 7.0), (x - 7.0, y)]),
        DotKind::Reset => cross((x, y), 5.0),
    }
}

/// The shape's class: `dot <kind>`; the controller's ring and the reset's cross are stroked.
fn dot_class(kind: DotKind) -> &'static str {
    match kind {
        DotKind::Produce => "dot produce",
        DotKind::Replicate => "dot replication",
        DotKind::Consume => "dot consume",
        DotKind::Group => "dot group",
        DotKind::Controller => "ring controller",
        DotKind::Metadata => "dot metadata",
        DotKind::Reset => "ring reset",
    }
}

fn tail_class(kind: DotKind) -> &'static str {
    match kind {
        DotKind::Produce => "tail produce",
        DotKind::Replicate => "tail replication",
        DotKind::Consume => "tail consume",
        DotKind::Group => "tail group",
        DotKind::Controller => "tail controller",
        DotKind::Metadata => "tail metadata",
        DotKind::Reset => "tail reset",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(kind: DotKind, progress: u32, response: bool) -> Dot {
        Dot {
            from: ["r-a".into(), "n-a".into()],
            to: ["r-b".into(), "n-b".into()],
            kind,
            progress,
            response,
            api: "Produce",
        }
    }

    /// a at (0, 0), b at (100, 0); "n-gone" is not on the stage.
    fn locate(ids: &[String]) -> Option<(f64, f64)> {
        ids.iter().find_map(|id| match id.as_str() {
            "r-a" => Some((0.0, 0.0)),
            "n-b" => Some((100.0, 0.0)),
            _ => None,
        })
    }

    #[test]
    fn a_dot_halfway_sits_halfway_with_its_tail_behind_it() {
        let m = marks(&[dot(DotKind::Replicate, 500, false)], &[], &[], locate);
        assert_eq!(m.len(), 2);
        // Requests ride 4 px to one side of the line, responses to the other.
        assert_eq!(m[0].d, "M38.0 -4.0L50.0 -4.0");
        assert_eq!(m[0].class, "tail replication");
        assert_eq!(m[1].d, "M45.0 -9.0L55.0 -9.0L55.0 1.0L45.0 1.0Z");
        let back = marks(&[dot(DotKind::Replicate, 500, true)], &[], &[], locate);
        assert_eq!(back[0].d, "M38.0 4.0L50.0 4.0");
    }

    #[test]
    fn kinds_have_their_own_shapes() {
        let shapes: Vec<String> = DotKind::ALL
            .iter()
            .map(|k| marks(&[dot(*k, 0, false)], &[], &[], locate)[1].d.clone())
            .collect();
        for (i, a) in shapes.iter().enumerate() {
            for b in &shapes[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn cuts_and_drops_cross_the_middle_and_unknown_anchors_draw_nothing() {
        let cut = LinkCut {
            from: "r-a".into(),
            to: "n-b".into(),
            one_way: true,
        };
        let m = marks(&[], &[cut], &[], locate);
        assert_eq!(m[0].class, "cut one-way");
        assert_eq!(m[1].d, "M44.0 -6.0L56.0 6.0M56.0 -6.0L44.0 6.0");
        let lost = DropMark {
            from: ["x".into(), "n-gone".into()],
            to: ["n-b".into(), "n-b".into()],
            api: "Fetch",
        };
        assert!(marks(&[], &[], &[lost], locate).is_empty());
    }
}
