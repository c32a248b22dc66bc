//! One canvas over the stage: messages in flight as dots moving from sender to receiver (shape
//! and colour by kind, so they stay apart in grey-scale), and cut links as red dashed lines.
//! Positions come from the elements the dots name, measured after each render.

use crate::present::stage::{Dot, DotKind, DropMark, LinkCut};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

thread_local! {
    static ORIGIN: RefCell<Option<DomRect>> = const { RefCell::new(None) };
    /// The dot colours of the current palette (presenter mode changes them).
    static PALETTE: RefCell<HashMap<String, String>> = RefCell::new(HashMap::new());
}
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, DomRect, Element, HtmlCanvasElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DotProps {
    pub dots: Rc<Vec<Dot>>,
    pub cuts: Rc<Vec<LinkCut>>,
    /// Messages the network dropped just now: a red cross halfway along their path.
    pub drops: Rc<Vec<DropMark>>,
    /// Changes whenever the stage's geometry may have changed (size, blocks, panel, zoom):
    /// element positions are measured once per layout, not once per frame.
    pub layout: u64,
}

thread_local! {
    /// Element centres (relative to the stage) for the current layout. Reading positions from
    /// the DOM forces a layout; between layout changes the cells do not move.
    static CENTRES: RefCell<(u64, HashMap<String, Option<(f64, f64)>>)> =
        RefCell::new((u64::MAX, HashMap::new()));
}

#[function_component(DotCanvas)]
pub fn dot_canvas(p: &DotProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        let dots = p.dots.clone();
        let cuts = p.cuts.clone();
        let dropped = p.drops.clone();
        let layout = p.layout;
        // Redraw after every render: the dots moved.
        use_effect(move || {
            if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                CENTRES.with(|cache| {
                    let mut cache = cache.borrow_mut();
                    if cache.0 != layout {
                        *cache = (layout, HashMap::new());
                    }
                    draw(&c, &dots, &cuts, &dropped, &mut cache.1);
                });
            }
            || ()
        });
    }
    html! { <canvas ref={canvas} class="dots" aria-hidden="true"></canvas> }
}

fn centre(el: &Element, origin: &DomRect) -> (f64, f64) {
    let r = el.get_bounding_client_rect();
    (
        r.left() - origin.left() + r.width() / 2.0,
        r.top() - origin.top() + r.height() / 2.0,
    )
}

/// The centre of the first element of `ids` that exists, measured once per layout.
fn locate(
    document: &web_sys::Document,
    origin: &DomRect,
    ids: &[String],
    cache: &mut HashMap<String, Option<(f64, f64)>>,
) -> Option<(f64, f64)> {
    ids.iter().find_map(|id| {
        *cache
            .entry(id.clone())
            .or_insert_with(|| document.get_element_by_id(id).map(|el| centre(&el, origin)))
    })
}

/// A CSS custom property of the page (the palette changes in presenter mode).
fn colour(style: &Option<web_sys::CssStyleDeclaration>, name: &str, fallback: &str) -> String {
    style
        .as_ref()
        .and_then(|s| s.get_property_value(name).ok())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| fallback.to_string())
}

fn draw(
    canvas: &HtmlCanvasElement,
    dots: &[Dot],
    cuts: &[LinkCut],
    dropped: &[DropMark],
    cache: &mut HashMap<String, Option<(f64, f64)>>,
) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let Some(parent) = canvas.parent_element() else {
        return;
    };
    // The stage's own rectangle is measured with the cells, once per layout.
    if cache.is_empty() {
        let r = parent.get_bounding_client_rect();
        cache.insert(String::new(), Some((r.width(), r.height())));
        ORIGIN.with(|o| *o.borrow_mut() = Some(r));
    }
    let Some(origin) = ORIGIN.with(|o| o.borrow().clone()) else {
        return;
    };
    let ratio = window.device_pixel_ratio().max(1.0);
    let (w, h) = (origin.width(), origin.height());
    let (pw, ph) = ((w * ratio) as u32, (h * ratio) as u32);
    if canvas.width() != pw || canvas.height() != ph {
        canvas.set_width(pw);
        canvas.set_height(ph);
    }
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let _ = ctx.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0);
    ctx.clear_rect(0.0, 0.0, w, h);
    if PALETTE.with(|p| p.borrow().is_empty()) || cache.len() == 1 {
        read_palette(&window, &document);
    }
    let paint = |name: &str| PALETTE.with(|p| p.borrow().get(name).cloned().unwrap_or_default());
    draw_cuts(&ctx, &document, &origin, cuts, &paint("--cut"), cache);
    draw_drops(&ctx, &document, &origin, dropped, &paint("--cut"), cache);
    for dot in dots {
        let (Some(a), Some(b)) = (
            locate(&document, &origin, &dot.from, cache),
            locate(&document, &origin, &dot.to, cache),
        ) else {
            continue;
        };
        draw_dot(
            &ctx,
            dot,
            a,
            b,
            &paint(&format!("--dot-{}", dot.kind.name())),
        );
    }
}

/// One dot on its way from `a` to `b`, with a short fading tail behind it.
fn draw_dot(ctx: &CanvasRenderingContext2d, dot: &Dot, a: (f64, f64), b: (f64, f64), fill: &str) {
    let t = f64::from(dot.progress) / 1000.0;
    // Requests and responses on the same path keep apart by a few pixels.
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let side = if dot.response { 4.0 } else { -4.0 };
    let (nx, ny) = (-dy / len * side, dx / len * side);
    let x = a.0 + dx * t + nx;
    let y = a.1 + dy * t + ny;
    let tail = (t - 0.12).max(0.0);
    ctx.set_stroke_style_str(fill);
    ctx.set_global_alpha(0.35);
    ctx.set_line_width(2.0);
    ctx.begin_path();
    ctx.move_to(a.0 + dx * tail + nx, a.1 + dy * tail + ny);
    ctx.line_to(x, y);
    ctx.stroke();
    ctx.set_global_alpha(1.0);
    shape(ctx, dot.kind, x, y, fill);
}

/// Read the dot colours from the page's custom properties (once per layout).
fn read_palette(window: &web_sys::Window, document: &web_sys::Document) {
    let style = document
        .document_element()
        .and_then(|root| window.get_computed_style(&root).ok().flatten());
    let mut palette = HashMap::new();
    for name in ["--cut"]
        .into_iter()
        .map(String::from)
        .chain(DotKind::ALL.iter().map(|k| format!("--dot-{}", k.name())))
    {
        let value = colour(&style, &name, "#555");
        palette.insert(name, value);
    }
    PALETTE.with(|p| *p.borrow_mut() = palette);
}

fn draw_cuts(
    ctx: &CanvasRenderingContext2d,
    document: &web_sys::Document,
    origin: &DomRect,
    cuts: &[LinkCut],
    red: &str,
    cache: &mut HashMap<String, Option<(f64, f64)>>,
) {
    ctx.set_stroke_style_str(red);
    ctx.set_line_width(2.0);
    for cut in cuts {
        let (Some(a), Some(b)) = (
            locate(document, origin, std::slice::from_ref(&cut.from), cache),
            locate(document, origin, std::slice::from_ref(&cut.to), cache),
        ) else {
            continue;
        };
        let dash = js_sys::Array::of2(&6.0.into(), &5.0.into());
        let _ = ctx.set_line_dash(&dash);
        ctx.set_global_alpha(0.6);
        ctx.begin_path();
        ctx.move_to(a.0, a.1);
        ctx.line_to(b.0, b.1);
        ctx.stroke();
        let _ = ctx.set_line_dash(&js_sys::Array::new());
        ctx.set_global_alpha(1.0);
        cross(ctx, (a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0, red);
    }
}

/// A cross halfway along the path of each message the network just dropped.
fn draw_drops(
    ctx: &CanvasRenderingContext2d,
    document: &web_sys::Document,
    origin: &DomRect,
    dropped: &[DropMark],
    red: &str,
    cache: &mut HashMap<String, Option<(f64, f64)>>,
) {
    for d in dropped {
        if let (Some(a), Some(b)) = (
            locate(document, origin, &d.from, cache),
            locate(document, origin, &d.to, cache),
        ) {
            cross(ctx, (a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0, red);
        }
    }
}

/// A red cross: where a link is cut, or a message vanished.
fn cross(ctx: &CanvasRenderingContext2d, x: f64, y: f64, red: &str) {
    ctx.set_stroke_style_str(red);
    ctx.set_line_width(3.0);
    ctx.begin_path();
    ctx.move_to(x - 6.0, y - 6.0);
    ctx.line_to(x + 6.0, y + 6.0);
    ctx.move_to(x + 6.0, y - 6.0);
    ctx.line_to(x - 6.0, y + 6.0);
    ctx.stroke();
    ctx.set_line_width(2.0);
}

/// Each kind has its own shape, so kinds stay apart without colour.
fn shape(ctx: &CanvasRenderingContext2d, kind: DotKind, x: f64, y: f64, fill: &str) {
    ctx.set_fill_style_str(fill);
    ctx.set_stroke_style_str(fill);
    ctx.begin_path();
    match kind {
        DotKind::Produce | DotKind::Metadata => {
            let r = if kind == DotKind::Produce { 6.0 } else { 4.0 };
            let _ = ctx.arc(x, y, r, 0.0, std::f64::consts::TAU);
            ctx.fill();
        }
        DotKind::Replicate => {
            ctx.fill_rect(x - 5.0, y - 5.0, 10.0, 10.0);
        }
        DotKind::Consume => {
            ctx.move_to(x, y - 7.0);
            ctx.line_to(x + 6.5, y + 5.0);
            ctx.line_to(x - 6.5, y + 5.0);
            ctx.close_path();
            ctx.fill();
        }
        DotKind::Group => {
            ctx.move_to(x, y - 7.0);
            ctx.line_to(x + 7.0, y);
            ctx.line_to(x, y + 7.0);
            ctx.line_to(x - 7.0, y);
            ctx.close_path();
            ctx.fill();
        }
        DotKind::Controller => {
            ctx.set_line_width(2.5);
            let _ = ctx.arc(x, y, 5.5, 0.0, std::f64::consts::TAU);
            ctx.stroke();
        }
        DotKind::Reset => {
            ctx.set_line_width(2.5);
            ctx.move_to(x - 5.0, y - 5.0);
            ctx.line_to(x + 5.0, y + 5.0);
            ctx.move_to(x + 5.0, y - 5.0);
            ctx.line_to(x - 5.0, y + 5.0);
            ctx.stroke();
        }
    }
}
