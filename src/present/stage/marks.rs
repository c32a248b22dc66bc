//! The drawing over the stage as SVG paths: each message in flight a shape (by kind, so kinds
//! stay apart without colour) with a short fading tail, each cut link a dashed line with a
//! cross, each message just dropped a cross. Pure geometry: the UI measures where the anchors
//! are and sets the paths' `d` and `class`; colours come from the stylesheet by class.
//! Positions are in tenths of a CSS pixel (integers, like everything outside the UI).

use super::{Dot, DotKind, DropMark, LinkCut};
use std::fmt::Write;

/// A position on the stage in tenths of a CSS pixel.
pub type Point = (i32, i32);

/// One SVG path: its geometry and its class (which picks fill or stroke and colour).
#[derive(Clone, PartialEq, Debug)]
pub struct Mark {
    pub d: String,
    pub class: &'static str,
}

/// Everything to draw, in painting order (cuts, crosses, then dots on top). `locate` gives the
/// centre of the first existing element of a list of ids, relative to the stage (tenths of a
/// pixel).
pub fn marks(
    dots: &[Dot],
    cuts: &[LinkCut],
    drops: &[DropMark],
    mut locate: impl FnMut(&[String]) -> Option<Point>,
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
            d: cross(midpoint(a, b), 60),
            class: "cross",
        });
    }
    for drop in drops {
        if let (Some(a), Some(b)) = (locate(&drop.from), locate(&drop.to)) {
            out.push(Mark {
                d: cross(midpoint(a, b), 60),
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

fn midpoint(a: Point, b: Point) -> Point {
    ((a.0 + b.0) / 2, (a.1 + b.1) / 2)
}

/// Where the dot is and where its tail starts. Requests and responses on the same path keep
/// 4 px apart on either side.
fn along(dot: &Dot, a: Point, b: Point) -> (Point, Point) {
    let t = i64::from(dot.progress.min(1000));
    let (dx, dy) = (i64::from(b.0 - a.0), i64::from(b.1 - a.1));
    let len = ((dx * dx + dy * dy) as u64).isqrt().max(1) as i64;
    let side = if dot.response { 40 } else { -40 };
    let (nx, ny) = (-dy * side / len, dx * side / len);
    let at = |t: i64| {
        (
            a.0 + (dx * t / 1000 + nx) as i32,
            a.1 + (dy * t / 1000 + ny) as i32,
        )
    };
    (at((t - 120).max(0)), at(t))
}

/// Tenths of a pixel as SVG writes them: `-4.5`, `12.0`.
fn px(tenths: i32) -> String {
    let sign = if tenths < 0 { "-" } else { "" };
    let v = tenths.unsigned_abs();
    format!("{sign}{}.{}", v / 10, v % 10)
}

fn line(a: Point, b: Point) -> String {
    format!("M{} {}L{} {}", px(a.0), px(a.1), px(b.0), px(b.1))
}

fn cross((x, y): Point, r: i32) -> String {
    format!(
        "M{} {}L{} {}M{} {}L{} {}",
        px(x - r),
        px(y - r),
        px(x + r),
        px(y + r),
        px(x + r),
        px(y - r),
        px(x - r),
        px(y + r)
    )
}

fn circle((x, y): Point, r: i32) -> String {
    format!(
        "M{} {}a{} {} 0 1 0 {} 0a{} {} 0 1 0 -{} 0",
        px(x - r),
        px(y),
        px(r),
        px(r),
        px(2 * r),
        px(r),
        px(r),
        px(2 * r)
    )
}

fn polygon(points: &[Point]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{} {}", if i == 0 { 'M' } else { 'L' }, px(*x), px(*y));
    }
    d.push('Z');
    d
}

/// Each kind has its own shape, so kinds stay apart without colour.
fn shape(kind: DotKind, (x, y): Point) -> String {
    match kind {
        DotKind::Produce => circle((x, y), 60),
        DotKind::Metadata => circle((x, y), 40),
        DotKind::Controller => circle((x, y), 55),
        DotKind::Replicate => polygon(&[
            (x - 50, y - 50),
            (x + 50, y - 50),
            (x + 50, y + 50),
            (x - 50, y + 50),
        ]),
        DotKind::Consume => polygon(&[(x, y - 70), (x + 65, y + 50), (x - 65, y + 50)]),
        DotKind::Group => polygon(&[(x, y - 70), (x + 70, y), (x, y + 70), (x - 70, y)]),
        DotKind::Reset => cross((x, y), 50),
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

    /// a at (0, 0), b at (100 px, 0); "n-gone" is not on the stage.
    fn locate(ids: &[String]) -> Option<Point> {
        ids.iter().find_map(|id| match id.as_str() {
            "r-a" => Some((0, 0)),
            "n-b" => Some((1000, 0)),
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
    fn tenths_of_a_pixel_keep_their_sign() {
        assert_eq!(px(-5), "-0.5");
        assert_eq!(px(-40), "-4.0");
        assert_eq!(px(123), "12.3");
        assert_eq!(px(0), "0.0");
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
