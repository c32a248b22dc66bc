//! The session behind Yew's `use_reducer`. The session itself is pure (`present::session`); this
//! wrapper lets the reducer change it in place, without cloning the world on every action, and
//! bumps a version so Yew knows to render again.

use crate::present::session::{Action, Session};
use std::cell::{Ref, RefCell};
use std::rc::Rc;
use yew::Reducible;

#[derive(Clone)]
pub struct Store {
    session: Rc<RefCell<Session>>,
    version: u64,
}

impl Store {
    pub fn new(session: Session) -> Store {
        Store {
            session: Rc::new(RefCell::new(session)),
            version: 0,
        }
    }
    pub fn session(&self) -> Ref<'_, Session> {
        self.session.borrow()
    }
    /// The session itself, for the play loop: it applies ticks without a render in between
    /// and asks for one with `Action::Redraw`.
    pub fn shared(&self) -> Rc<RefCell<Session>> {
        self.session.clone()
    }
}

impl PartialEq for Store {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.session, &other.session) && self.version == other.version
    }
}

impl Reducible for Store {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let seek = matches!(action, Action::SeekTo(_));
        let start = super::web::now_ms();
        self.session.borrow_mut().apply(action);
        if seek {
            // `tests/e2e/perf.mjs --seek` tells the session's share of a seek from the drawing.
            super::web::note_figure("__kcSeekApplyMs", super::web::now_ms() - start);
        }
        Rc::new(Store {
            session: self.session.clone(),
            version: self.version + 1,
        })
    }
}
