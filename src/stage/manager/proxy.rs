//! Proxies: what a process holds instead of the object. A proxy is only the
//! object's id and the manager to ask; each method is one request to the
//! server and its reply.

use super::protocol::{Item, Method};
use super::Manager;

/// Python's `DictProxy`, from `manager.dict()`.
pub struct DictProxy<'m> {
    manager: &'m Manager,
    id: u32,
}

impl<'m> DictProxy<'m> {
    pub(super) fn new(manager: &'m Manager, id: u32) -> DictProxy<'m> {
        DictProxy { manager, id }
    }

    /// `d[key]`.
    pub fn get(&self, key: impl Into<Item>) -> Item {
        self.manager.call_method(self.id, Method::GetItem(key.into()))
    }

    /// `d[key] = value`.
    pub fn set(&self, key: impl Into<Item>, value: impl Into<Item>) {
        self.manager.call_method(self.id, Method::SetItem(key.into(), value.into()));
    }

    /// `repr(d)`, as `print(d)` shows it, from the server.
    pub fn repr(&self) -> String {
        repr(self.manager, self.id)
    }
}

/// Python's `ListProxy`, from `manager.list()`.
pub struct ListProxy<'m> {
    manager: &'m Manager,
    id: u32,
}

impl<'m> ListProxy<'m> {
    pub(super) fn new(manager: &'m Manager, id: u32) -> ListProxy<'m> {
        ListProxy { manager, id }
    }

    /// `l.append(item)`.
    pub fn append(&self, item: impl Into<Item>) {
        self.manager.call_method(self.id, Method::Append(item.into()));
    }

    /// `l.reverse()`.
    pub fn reverse(&self) {
        self.manager.call_method(self.id, Method::Reverse);
    }

    /// `repr(l)`, from the server.
    pub fn repr(&self) -> String {
        repr(self.manager, self.id)
    }
}

/// Python's `ValueProxy`, from `manager.Value(typecode, value)`.
pub struct ValueProxy<'m> {
    manager: &'m Manager,
    id: u32,
}

impl<'m> ValueProxy<'m> {
    pub(super) fn new(manager: &'m Manager, id: u32) -> ValueProxy<'m> {
        ValueProxy { manager, id }
    }

    /// `v.value`.
    pub fn get(&self) -> Item {
        self.manager.call_method(self.id, Method::Get)
    }

    /// `v.value = value`.
    pub fn set(&self, value: impl Into<Item>) {
        self.manager.call_method(self.id, Method::Set(value.into()));
    }
}

fn repr(manager: &Manager, id: u32) -> String {
    match manager.call_method(id, Method::Repr) {
        Item::Str(text) => text,
        other => other.to_string(),
    }
}
