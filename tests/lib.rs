#[test]
fn smoke() {
    for f in ["examples/digits_mlp.hps", "/tmp/arch.hps"] {
        let text = std::fs::read_to_string(f).unwrap();
        let (ast, errs) = hps::syntax::parse(hps::syntax::FileId(0), &text);
        println!("{errs:#?}");
        println!("{:#?}", ast.items.len());
        assert!(errs.is_empty());
    }
}
