//! What a manager's proxies and its server say to each other. Each request is
//! one serde value, encoded with postcard and sent as one frame (see
//! [`frame`](super::super::frame)); each gets one reply. CPython pickles the
//! same exchanges: `(id, methodname, args, kwds)` out, `('#RETURN', value)` back.

use std::fmt;
use std::ops::Add;

use serde::{Deserialize, Serialize};

/// A value the server keeps: the few Python types the lessons use.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Item {
    /// `None`.
    None,
    /// An `int`.
    Int(i64),
    /// A `float`.
    Float(f64),
    /// A `str`.
    Str(String),
}

impl Item {
    /// The `int` it holds, if it is one.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Item::Int(n) => Some(*n),
            _ => None,
        }
    }
}

/// As Python's `repr`: `None`, `1`, `3.14`, `'two'`.
impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::None => f.write_str("None"),
            Item::Int(n) => write!(f, "{n}"),
            // Debug keeps the ".0" of a whole float, as Python's repr does.
            Item::Float(x) => write!(f, "{x:?}"),
            Item::Str(s) => write!(f, "'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        }
    }
}

impl From<i64> for Item {
    fn from(n: i64) -> Item {
        Item::Int(n)
    }
}

impl From<i32> for Item {
    fn from(n: i32) -> Item {
        Item::Int(n.into())
    }
}

impl From<f64> for Item {
    fn from(x: f64) -> Item {
        Item::Float(x)
    }
}

impl From<&str> for Item {
    fn from(s: &str) -> Item {
        Item::Str(s.to_string())
    }
}

impl From<String> for Item {
    fn from(s: String) -> Item {
        Item::Str(s)
    }
}

/// `d['x'] + 1`, computed in the process that asked for `d['x']`.
impl Add<i64> for Item {
    type Output = Item;

    fn add(self, n: i64) -> Item {
        match self {
            Item::Int(m) => Item::Int(m + n),
            Item::Float(x) => Item::Float(x + n as f64),
            other => panic!("TypeError: cannot add an int to {other}"),
        }
    }
}

/// An object the server owns.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Object {
    /// `manager.dict()`: its items in insertion order, as Python's are.
    Dict(Vec<(Item, Item)>),
    /// `manager.list()`.
    List(Vec<Item>),
    /// `manager.Value(typecode, value)`.
    Value(Item),
}

/// What a proxy asks of an object.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Method {
    /// `d[key]`.
    GetItem(Item),
    /// `d[key] = value`.
    SetItem(Item, Item),
    /// `l.append(item)`.
    Append(Item),
    /// `l.reverse()`.
    Reverse,
    /// `repr(obj)`, which `print(obj)` sends.
    Repr,
    /// `v.value`.
    Get,
    /// `v.value = x`.
    Set(Item),
}

/// One request.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Request {
    /// Make a new object; the reply is its id.
    Create(Object),
    /// The object registered under a name (`m.get_dict()` for
    /// `register('get_dict', …)`), made from the given one on first use; the
    /// reply is its id.
    Registered(String, Object),
    /// Call a method of object `id`.
    Call(u32, Method),
    /// Stop serving (`manager.shutdown()`).
    Shutdown,
}

/// The reply: a value, or the exception the server raised, as text.
pub type Reply = Result<Item, String>;
