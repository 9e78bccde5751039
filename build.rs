// Migrations are embedded at compile time; a changed migration must rebuild the binary.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
