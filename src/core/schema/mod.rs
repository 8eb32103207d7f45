//! The schema table: User, Enterprise User and Group attributes with their characteristics.

pub mod attribute;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResourceType {
    User,
    Group,
}
