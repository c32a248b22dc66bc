//! Overlays over the page: the lesson catalogue (the course, a promise per lesson, progress in
//! this browser) and the keyboard shortcuts.

use crate::present::catalogue::Section;
use crate::present::shortcuts::SHORTCUTS;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CatalogueProps {
    pub sections: Rc<Vec<Section>>,
    pub on_pick: Callback<String>,
    pub on_close: Callback<()>,
}

#[function_component(Catalogue)]
pub fn catalogue(p: &CatalogueProps) -> Html {
    let close = p.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="overlay" role="dialog" aria-label="Lessons" id="catalogue">
            <div class="overlay-box wide">
                <div class="overlay-head">
                    <h2>{ "Lessons" }</h2>
                    <button class="dismiss" onclick={close} aria-label="Close">{ "×" }</button>
                </div>
                <div class="sections">
                    { for p.sections.iter().map(|s| html! {
                        <section class="course-section">
                            <h3>{ s.title.clone() }</h3>
                            <ul>
                                { for s.lessons.iter().map(|l| {
                                    let id = l.id.clone();
                                    let pick = p.on_pick.reform(move |_: MouseEvent| id.clone());
                                    html! {
                                        <li>
                                            <button class={classes!("lesson-card", l.current.then_some("current"), l.done().then_some("done"))} id={format!("lesson-{}", l.id)} onclick={pick}>
                                                <span class="lc-title">{ if l.done() { "✓ " } else { "" } }{ l.title.clone() }</span>
                                                <span class="lc-summary">{ l.summary.clone() }</span>
                                                { if l.seen > 0 && !l.done() { html! { <span class="lc-progress">{ format!("{} of {} beats", l.seen.min(l.beats), l.beats) }</span> } } else { html! {} } }
                                            </button>
                                        </li>
                                    }
                                }) }
                            </ul>
                        </section>
                    }) }
                </div>
            </div>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct HelpProps {
    pub on_close: Callback<()>,
}

#[function_component(Help)]
pub fn help(p: &HelpProps) -> Html {
    let close = p.on_close.reform(|_: MouseEvent| ());
    html! {
        <div class="overlay" role="dialog" aria-label="Keyboard shortcuts" id="help-overlay">
            <div class="overlay-box">
                <div class="overlay-head">
                    <h2>{ "Keyboard shortcuts" }</h2>
                    <button class="dismiss" onclick={close} aria-label="Close">{ "×" }</button>
                </div>
                <table class="shortcuts">
                    { for SHORTCUTS.iter().map(|(keys, what)| html! {
                        <tr><th><kbd>{ *keys }</kbd></th><td>{ *what }</td></tr>
                    }) }
                </table>
                <p class="muted">{ "A presentation clicker's buttons send PageDown and PageUp: they continue and go back through the lesson." }</p>
            </div>
        </div>
    }
}
