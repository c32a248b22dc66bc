//! One canvas over the stage: messages in flight as dots moving from sender to receiver (shape
//! and colour by kind, so they stay apart in grey-scale), and cut links as red dashed lines.
//! Positions come from the elements the dots name, measured after each render.

use crate::present::stage::{Dot, DotKind, LinkCut};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, DomRect, Element, HtmlCanvasElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct DotProps {
    pub dots: Rc<Vec<Dot>>,
    pub cuts: Rc<Vec<LinkCut>>,
}

#[function_component(DotCanvas)]
pub fn dot_canvas(p: &DotProps) -> Html {
    let canvas = use_node_ref();
    {
        let canvas = canvas.clone();
        let dots = p.dots.clone();
        let cuts = p.cuts.clone();
        // Redraw after every render: the stage may have moved as well as the dots.
        use_effect(move || {
            if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                draw(&c, &dots, &cuts);
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

fn find(document: &web_sys::Document, ids: &[String]) -> Option<Element> {
    ids.iter().find_map(|id| document.get_element_by_id(id))
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

fn draw(canvas: &HtmlCanvasElement, dots: &[Dot], cuts: &[LinkCut]) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Some(document) = window.document() else {
        return;
    };
    let Some(parent) = canvas.parent_element() else {
        return;
    };
    let origin = parent.get_bounding_client_rect();
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
    let style = document
        .document_element()
        .and_then(|root| window.get_computed_style(&root).ok().flatten());
    draw_cuts(
        &ctx,
        &document,
        &origin,
        cuts,
        &colour(&style, "--cut", "#c0392b"),
    );
    for dot in dots {
        let (Some(from), Some(to)) = (find(&document, &dot.from), find(&document, &dot.to)) else {
            continue;
        };
        let (a, b) = (centre(&from, &origin), centre(&to, &origin));
        let t = f64::from(dot.progress) / 1000.0;
        // Requests and responses on the same path keep apart by a few pixels.
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let side = if dot.response { 4.0 } else { -4.0 };
        let (nx, ny) = (-dy / len * side, dx / len * side);
        let x = a.0 + dx * t + nx;
        let y = a.1 + dy * t + ny;
        let tail = (t - 0.12).max(0.0);
        let fill = colour(&style, &format!("--dot-{}", dot.kind.name()), "#555");
        ctx.set_stroke_style_str(&fill);
        ctx.set_global_alpha(0.35);
        ctx.set_line_width(2.0);
        ctx.begin_path();
        ctx.move_to(a.0 + dx * tail + nx, a.1 + dy * tail + ny);
        ctx.line_to(x, y);
        ctx.stroke();
        ctx.set_global_alpha(1.0);
        shape(&ctx, dot.kind, x, y, &fill);
    }
}

fn draw_cuts(
    ctx: &CanvasRenderingContext2d,
    document: &web_sys::Document,
    origin: &DomRect,
    cuts: &[LinkCut],
    red: &str,
) {
    ctx.set_stroke_style_str(red);
    ctx.set_line_width(2.0);
    for cut in cuts {
        let (Some(a), Some(b)) = (
            document.get_element_by_id(&cut.from),
            document.get_element_by_id(&cut.to),
        ) else {
            continue;
        };
        let (a, b) = (centre(&a, origin), centre(&b, origin));
        let dash = js_sys::Array::of2(&6.0.into(), &5.0.into());
        let _ = ctx.set_line_dash(&dash);
        ctx.set_global_alpha(0.6);
        ctx.begin_path();
        ctx.move_to(a.0, a.1);
        ctx.line_to(b.0, b.1);
        ctx.stroke();
        let _ = ctx.set_line_dash(&js_sys::Array::new());
        ctx.set_global_alpha(1.0);
        let (mx, my) = ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        ctx.set_line_width(3.0);
        ctx.begin_path();
        ctx.move_to(mx - 6.0, my - 6.0);
        ctx.line_to(mx + 6.0, my + 6.0);
        ctx.move_to(mx + 6.0, my - 6.0);
        ctx.line_to(mx - 6.0, my + 6.0);
        ctx.stroke();
        ctx.set_line_width(2.0);
    }
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
