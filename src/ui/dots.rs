//! One SVG layer over the stage: messages in flight as moving shapes, cut links, dropped
//! messages (the geometry is `present::stage::marks`). The layer's paths are a pool reused
//! from frame to frame and only their changed attributes are set, so the browser repaints just
//! the few small regions that moved (a canvas the size of the stage is re-uploaded whole every
//! frame). Element positions are measured once per layout.

use crate::present::stage::{marks, Dot, DropMark, LinkCut, Mark, Point};
use std::collections::HashMap;
use std::rc::Rc;
use web_sys::{DomRect, Element};
use yew::prelude::*;

const SVG_NS: &str = "http://www.w3.org/2000/svg";

#[derive(Properties, PartialEq)]
pub struct DotProps {
    pub dots: Rc<Vec<Dot>>,
    pub cuts: Rc<Vec<LinkCut>>,
    /// Messages the network dropped just now: a red cross halfway along their path.
    pub drops: Rc<Vec<DropMark>>,
    /// Changes whenever the stage's geometry may have changed (size, blocks, panel, zoom):
    /// element positions are measured once per layout, not once per frame.
    pub layout: u64,
    /// The stage's id prefix (see `StageProps::prefix`): the elements measured are its own.
    #[prop_or_default]
    pub prefix: AttrValue,
}

/// What the layer remembers between frames.
#[derive(Default)]
struct Layer {
    layout: Option<u64>,
    origin: Option<DomRect>,
    /// Element centres relative to the stage, for the current layout.
    centres: HashMap<String, Option<Point>>,
    /// The pool of paths and what each was last set to.
    paths: Vec<(Element, Mark)>,
}

#[function_component(DotLayer)]
pub fn dot_layer(p: &DotProps) -> Html {
    let svg = use_node_ref();
    // Each layer its own pool and measurements: Compare puts two stages on one page.
    let layer = use_mut_ref(Layer::default);
    {
        let prefix = p.prefix.clone();
        let svg = svg.clone();
        let dots = p.dots.clone();
        let cuts = p.cuts.clone();
        let dropped = p.drops.clone();
        let layout = p.layout;
        // Redraw after every render: the dots moved.
        use_effect(move || {
            if let Some(svg) = svg.cast::<Element>() {
                draw(
                    &svg,
                    &mut layer.borrow_mut(),
                    (layout, &prefix),
                    &dots,
                    (&cuts, &dropped),
                );
            }
            || ()
        });
    }
    html! { <svg ref={svg} class="dots" aria-hidden="true"></svg> }
}

/// The centre of `r` relative to `origin`, in tenths of a pixel.
fn centre(r: &DomRect, origin: &DomRect) -> Point {
    (
        ((r.left() - origin.left() + r.width() / 2.0) * 10.0).round() as i32,
        ((r.top() - origin.top() + r.height() / 2.0) * 10.0).round() as i32,
    )
}

fn draw(
    svg: &Element,
    layer: &mut Layer,
    (layout, prefix): (u64, &str),
    dots: &[Dot],
    (cuts, dropped): (&[LinkCut], &[DropMark]),
) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    // A new layout (or a new layer element): measure again, start a fresh pool.
    let fresh = layer
        .paths
        .first()
        .is_some_and(|(p, _)| p.parent_element().as_ref() != Some(svg));
    if layer.layout != Some(layout) || fresh || layer.origin.is_none() {
        layer.layout = Some(layout);
        layer.centres.clear();
        layer.origin = svg.parent_element().map(|p| p.get_bounding_client_rect());
        if fresh {
            layer.paths.clear();
        }
    }
    let Some(origin) = layer.origin.clone() else {
        return;
    };
    let centres = &mut layer.centres;
    let wanted = marks(dots, cuts, dropped, |ids| {
        ids.iter().find_map(|id| {
            *centres.entry(id.clone()).or_insert_with(|| {
                document
                    .get_element_by_id(&format!("{prefix}{id}"))
                    .map(|el| centre(&el.get_bounding_client_rect(), &origin))
            })
        })
    });
    apply(svg, &document, &mut layer.paths, &wanted);
}

/// Set the pool's paths to `wanted`, touching only what changed; spare paths are emptied.
fn apply(
    svg: &Element,
    document: &web_sys::Document,
    paths: &mut Vec<(Element, Mark)>,
    wanted: &[Mark],
) {
    for (i, mark) in wanted.iter().enumerate() {
        if i == paths.len() {
            let Ok(path) = document.create_element_ns(Some(SVG_NS), "path") else {
                return;
            };
            if svg.append_child(&path).is_err() {
                return;
            }
            paths.push((
                path,
                Mark {
                    d: String::new(),
                    class: "",
                },
            ));
        }
        let (path, last) = &mut paths[i];
        if last.d != mark.d {
            let _ = path.set_attribute("d", &mark.d);
        }
        if last.class != mark.class {
            let _ = path.set_attribute("class", mark.class);
        }
        *last = mark.clone();
    }
    for (path, last) in paths.iter_mut().skip(wanted.len()) {
        if !last.d.is_empty() {
            let _ = path.set_attribute("d", "");
            last.d.clear();
        }
    }
}
