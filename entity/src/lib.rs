//! sea-orm entities only: one module per table, no business logic.
