//! Indicators, targets and reports: the 766 indicators over the throughput records ([`records`],
//! stored by [`store`]), the targets of the provincial resolutions (data, admin editable), and the
//! desk's tracking book ([`tracking_book`]), and their office exports ([`xlsx`]).

pub mod catalogue;
pub mod dashboard;
pub mod domain;
pub mod generate;
pub mod http;
pub mod open;
pub mod records;
pub mod service;
pub mod store;
pub mod tracking_book;
pub mod xlsx;
