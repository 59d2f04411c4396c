use super::path::*;

#[test]
fn segments_are_percent_encoded() {
    let p = ArmPath::root().seg("a/b?c#d%e f").unwrap();
    assert_eq!(p.as_str(), "/a%2Fb%3Fc%23d%25e%20f");
    let p = ArmPath::root().seg("Ünïcode-._~").unwrap();
    assert_eq!(p.as_str(), "/%C3%9Cn%C3%AFcode-._~");
    let p = ArmPath::root().seg("%2e%2e").unwrap();
    assert_eq!(p.as_str(), "/%252e%252e", "pre-encoded dots stay data");
    assert_eq!(ArmPath::root().as_str(), "/");
    assert_eq!(
        ArmPath::root().lit("a/b").seg("c").unwrap().to_string(),
        "/a/b/c"
    );
    assert_eq!(format!("{:?}", ArmPath::root().lit("x")), "ArmPath(\"/x\")");
}

#[test]
fn unsafe_segments_are_refused() {
    assert_eq!(ArmPath::root().seg(""), Err(PathError::Empty));
    assert_eq!(
        ArmPath::root().seg(".").unwrap_err().code(),
        "path-dot-segment"
    );
    assert_eq!(
        ArmPath::root().seg("..").unwrap_err().code(),
        "path-dot-segment"
    );
    for bad in ["a\nb", "a\u{0}", "\u{7f}", "x\u{85}"] {
        assert_eq!(
            ArmPath::root().seg(bad).unwrap_err().code(),
            "path-control-char",
            "{bad:?}"
        );
    }
    assert!(
        ArmPath::root().seg("...").is_ok(),
        "only exact dot segments are special"
    );
}

#[test]
fn an_injection_name_is_one_segment() {
    let name = "vm1/../../providers/Microsoft.Authorization/roleAssignments/x?api-version=1#frag";
    let p = machine_path("s1", "rg1", "Microsoft.HybridCompute/machines", name).unwrap();
    let s = p.as_str();
    assert_eq!(
        s,
        "/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.HybridCompute/machines/\
         vm1%2F..%2F..%2Fproviders%2FMicrosoft.Authorization%2FroleAssignments%2Fx%3Fapi-version%3D1%23frag"
    );
    assert_eq!(s.matches('/').count(), 8);
    assert!(!s.contains('?') && !s.contains('#') && !s.contains("//") && !s.contains("/../"));
}

#[test]
fn machine_paths_for_every_arc_type() {
    for ty in ARC_RESOURCE_TYPES {
        assert!(is_valid_literal(ty), "{ty}");
        let p = machine_path(
            "00000000-0000-0000-0000-000000000001",
            "rg",
            &ty.to_uppercase(),
            "m",
        )
        .unwrap();
        assert_eq!(
            p.as_str(),
            format!(
                "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/{ty}/m"
            )
        );
    }
    assert_eq!(
        canonical_resource_type("microsoft.hybridcompute"),
        Some("Microsoft.HybridCompute/machines")
    );
    assert_eq!(
        canonical_resource_type(" Microsoft.ScVmm "),
        Some("Microsoft.ScVmm/virtualMachines")
    );
    assert_eq!(
        canonical_resource_type("Microsoft.Compute/virtualMachines"),
        None
    );
    let e = machine_path("s", "rg", "Microsoft.Compute/virtualMachines", "m").unwrap_err();
    assert_eq!(e.code(), "unknown-resource-type");
    assert!(
        e.to_string().contains("Microsoft.HybridCompute/machines"),
        "{e}"
    );
    assert_eq!(
        resource_group_path("s", "rg").unwrap().as_str(),
        "/subscriptions/s/resourceGroups/rg"
    );
}

#[test]
fn literals_are_checked() {
    for ok in [
        "providers",
        "Microsoft.HybridCompute/machines",
        "endpoints/default",
    ] {
        assert!(is_valid_literal(ok), "{ok}");
    }
    for bad in [
        "", "/a", "a/", "a//b", "a/../b", "./a", "a?b", "a#b", "a b", "a%2F",
    ] {
        assert!(!is_valid_literal(bad), "{bad}");
    }
}

#[test]
fn subscriptions() {
    assert!(is_guid("8c8a8d6e-1f2b-4c3d-9e8f-0a1b2c3d4e5f"));
    assert!(is_guid("8C8A8D6E-1F2B-4C3D-9E8F-0A1B2C3D4E5F"));
    for bad in [
        "",
        "8c8a8d6e1f2b4c3d9e8f0a1b2c3d4e5f",
        "8c8a8d6e-1f2b-4c3d-9e8f-0a1b2c3d4e5",
        "zc8a8d6e-1f2b-4c3d-9e8f-0a1b2c3d4e5f",
    ] {
        assert!(!is_guid(bad), "{bad}");
    }
    assert!(validate_subscription("My Subscription (prod)").is_ok());
    for bad in ["", "   ", "a\tb"] {
        assert_eq!(
            validate_subscription(bad).unwrap_err().code(),
            "invalid-subscription",
            "{bad:?}"
        );
    }
    let e = machine_path("", "rg", "Microsoft.HybridCompute/machines", "m").unwrap_err();
    assert_eq!(e.code(), "invalid-subscription");
}

#[test]
fn resource_groups() {
    for ok in [
        "rg",
        "my_rg-1.(test)",
        "Ürün-grubu",
        "日本語",
        &"a".repeat(90),
    ] {
        assert!(validate_resource_group(ok).is_ok(), "{ok}");
    }
    for bad in [
        "",
        "rg.",
        "rg 1",
        "rg/x",
        "rg?x",
        "rg#",
        "rg%",
        "rg\n",
        &"a".repeat(91),
    ] {
        let e = validate_resource_group(bad).unwrap_err();
        assert_eq!(e.code(), "invalid-resource-group", "{bad:?}");
    }
    let e = machine_path("s", "bad rg", "Microsoft.HybridCompute/machines", "m").unwrap_err();
    assert!(e.to_string().contains("\"bad rg\""), "{e}");
}

#[test]
fn machine_names() {
    for ok in [
        "m",
        "web-01.contoso.com",
        "with space",
        "a/b",
        &"n".repeat(MAX_NAME_CHARS),
    ] {
        assert!(validate_machine_name(ok).is_ok(), "{ok}");
    }
    for bad in ["", ".", "..", "a\rb", &"n".repeat(MAX_NAME_CHARS + 1)] {
        assert_eq!(
            validate_machine_name(bad).unwrap_err().code(),
            "invalid-machine-name",
            "{bad:?}"
        );
    }
    let e = machine_path("s", "rg", "Microsoft.HybridCompute/machines", "..").unwrap_err();
    assert_eq!(e.code(), "invalid-machine-name");
}

#[test]
fn machine_ids_as_enter_azvm_takes_them() {
    let sub = "00000000-1111-2222-3333-444444444444";
    let id = format!(
        "/subscriptions/{sub}/resourceGroups/rg-arc/providers/Microsoft.HybridCompute/machines/web-01"
    );
    let parsed = parse_machine_id(&id).unwrap();
    assert_eq!(
        parsed,
        MachineId {
            subscription: sub.into(),
            resource_group: "rg-arc".into(),
            resource_type: "Microsoft.HybridCompute/machines",
            name: "web-01".into(),
        }
    );
    // ARM's own casing varies (resourcegroups, lower-case namespaces); a trailing / is fine.
    let lower = format!(
        "/SUBSCRIPTIONS/{sub}/resourcegroups/rg/providers/microsoft.scvmm/VIRTUALMACHINES/vm/"
    );
    let parsed = parse_machine_id(&lower).unwrap();
    assert_eq!(parsed.resource_type, "Microsoft.ScVmm/virtualMachines");
    assert_eq!(parsed.name, "vm");
}

#[test]
fn machine_ids_that_are_not_arc_servers_are_refused() {
    let sub = "00000000-1111-2222-3333-444444444444";
    let azure_vm = format!(
        "/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm"
    );
    let e = parse_machine_id(&azure_vm).unwrap_err();
    assert_eq!(e.code(), "unknown-resource-type");
    assert!(
        e.to_string().contains("Microsoft.HybridCompute/machines"),
        "{e}"
    );
    for bad in [
        "",
        "web-01",
        "subscriptions/s/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/m",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.HybridCompute/machines",
        "/subscriptions/s/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/m/extensions/x",
        "/subscriptions/s/groups/rg/providers/Microsoft.HybridCompute/machines/m",
        "/subscriptions//resourceGroups/rg/providers/Microsoft.HybridCompute/machines/m",
    ] {
        let e = parse_machine_id(bad).unwrap_err();
        assert!(
            matches!(e.code(), "invalid-resource-id" | "invalid-subscription"),
            "{bad:?}: {e}"
        );
    }
    let e = parse_machine_id(&format!(
        "/subscriptions/{sub}/resourceGroups/rg!/providers/Microsoft.HybridCompute/machines/m"
    ))
    .unwrap_err();
    assert_eq!(e.code(), "invalid-resource-group");
    let e = parse_machine_id(&format!(
        "/subscriptions/{sub}/resourceGroups/rg/providers/Microsoft.HybridCompute/machines/.."
    ))
    .unwrap_err();
    assert_eq!(e.code(), "invalid-machine-name");
}
