//! Attribute characteristics as data (RFC 7643 §2.2, §7). The schema tables in this module are
//! the single source of truth for validation, PATCH, filtering, projection and discovery.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Decimal,
    Integer,
    DateTime,
    Binary,
    Reference,
    Complex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

#[derive(Debug)]
pub struct AttributeDef {
    pub name: &'static str,
    pub ty: AttrType,
    pub multi_valued: bool,
    pub description: &'static str,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub canonical_values: &'static [&'static str],
    pub reference_types: &'static [&'static str],
    pub sub_attributes: &'static [AttributeDef],
    /// Text that may span lines (tab, line feed and carriage return allowed). Not an RFC 7643
    /// characteristic: our reading of the attribute's description (only `addresses.formatted`
    /// "MAY contain newlines", RFC 7643 §4.1.2); every other string is one line.
    pub multi_line: bool,
}

#[derive(Debug)]
pub struct SchemaDef {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: &'static [AttributeDef],
}

/// `const` builders so the schema tables read as one line per attribute. The defaults are the
/// RFC 7643 §2.2 defaults: singular, optional, `caseExact` false, `readWrite`, returned
/// `default`, uniqueness `none`, no canonical values, no reference types.
impl AttributeDef {
    pub const fn new(name: &'static str, ty: AttrType, description: &'static str) -> Self {
        AttributeDef {
            name,
            ty,
            multi_valued: false,
            description,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
            multi_line: false,
        }
    }
    pub const fn string(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::String, description)
    }
    pub const fn boolean(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::Boolean, description)
    }
    pub const fn date_time(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::DateTime, description)
    }
    pub const fn binary(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrType::Binary, description)
    }
    pub const fn reference(
        name: &'static str,
        types: &'static [&'static str],
        description: &'static str,
    ) -> Self {
        let mut a = Self::new(name, AttrType::Reference, description);
        a.reference_types = types;
        a
    }
    pub const fn complex(
        name: &'static str,
        subs: &'static [AttributeDef],
        description: &'static str,
    ) -> Self {
        let mut a = Self::new(name, AttrType::Complex, description);
        a.sub_attributes = subs;
        a
    }
    pub const fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    pub const fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub const fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    pub const fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    pub const fn read_only(self) -> Self {
        self.mutability(Mutability::ReadOnly)
    }
    pub const fn immutable(self) -> Self {
        self.mutability(Mutability::Immutable)
    }
    pub const fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    pub const fn uniqueness(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }
    pub const fn multi_line(mut self) -> Self {
        self.multi_line = true;
        self
    }
    pub const fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical_values = values;
        self
    }

    /// The sub-attribute called `name` (case-insensitive, RFC 7643 §2.1).
    pub fn sub_attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.sub_attributes
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    pub fn is_complex(&self) -> bool {
        self.ty == AttrType::Complex
    }
}

impl SchemaDef {
    /// The attribute called `name` (case-insensitive, RFC 7643 §2.1).
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }
}
