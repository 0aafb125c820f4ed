//! Indicators and targets: the targets of the provincial resolutions (data, admin editable) and
//! the throughput records the indicators are sums over ([`records`], stored by [`store`]).

pub mod domain;
pub mod http;
pub mod records;
pub mod service;
pub mod store;
