//! The schema table: User, Enterprise User and Group attributes with their characteristics.

pub mod attribute;
