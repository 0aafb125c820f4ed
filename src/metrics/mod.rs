//! Indicators and targets. So far: the targets of the provincial resolutions (data, admin
//! editable); the throughput records and the indicator computation join here.

pub mod domain;
pub mod http;
pub mod service;
