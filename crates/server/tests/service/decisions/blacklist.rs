//! The blacklist through the API: values normalised, removal by two people.

use super::*;

#[tokio::test]
async fn blacklist_values_are_normalised_and_removal_takes_two_people() {
    for store in support::backends().await {
        let backend = store.backend();
        let service = service_on(store).await;
        let li = service.sign_in("officer.li").await;
        let wang = service.sign_in("officer.wang").await;
        let add =
            |value: &str| json!({"kind": "phone", "value": value, "reason": "诈骗号码 fraud ring"});
        let (status, entry, _) = service
            .write("/v1/blacklist", &li, &key("b"), &add("+86 139-0000-1234"))
            .await;
        assert_eq!(
            (status, entry["value"].as_str()),
            (200, Some("139****1234")),
            "{backend}: {entry}"
        );
        let (status, dup, _) = service
            .write("/v1/blacklist", &wang, &key("b"), &add("13900001234"))
            .await;
        assert_eq!((status, code(&dup)), (409, "duplicate"), "{backend}: {dup}");
        let (status, bad, _) = service
            .write("/v1/blacklist", &li, &key("b"), &add("12900001234"))
            .await;
        assert_eq!(
            (status, code(&bad)),
            (400, "invalid_value"),
            "{backend}: {bad}"
        );
        for (kind, value, listed) in [
            ("ip", "10.20.30.40/16", "10.20.0.0/16"),
            ("geo_area", "23.1291, 113.2644, 3km", "23.1291,113.2644,3km"),
            (
                "national_id_hash",
                "11010519491231002x",
                // HMAC-SHA256 under the tests' index key (support::DATA_KEY).
                "7553db33c6df34db382d40da4386c5935bae8c94f1bc1c9f4fe7f4e959cf77d8",
            ),
        ] {
            let (status, e, _) = service
                .write("/v1/blacklist", &li, &key("b"), &json!({"kind": kind, "value": value, "reason": "test", "expires_at": riskdesk_server::clock::utc(service.now_ms() + 86_400_000)}))
                .await;
            assert_eq!(
                (status, e["value"].as_str()),
                (200, Some(listed)),
                "{backend} {kind}: {e}"
            );
        }
        let id = entry["id"].as_i64().unwrap();
        let (status, asked, _) = service
            .write(
                &format!("/v1/blacklist/{id}/removal"),
                &li,
                &key("rm"),
                &json!({"version": 1, "reason": "号码已回收 number reassigned"}),
            )
            .await;
        assert_eq!(
            (status, asked["removal_requested_by"].as_str()),
            (200, Some("officer.li")),
            "{backend}: {asked}"
        );
        let (_, pending) = service
            .get("/v1/blacklist?removal_pending=true", Some(&li))
            .await;
        assert_eq!(pending["items"][0]["id"], id);
        let approve = |totp: String| json!({"version": 2, "totp": totp});
        let (status, own, _) = service
            .write(
                &format!("/v1/blacklist/{id}/removal/approve"),
                &li,
                &key("rm"),
                &approve(service.fresh_totp("officer.li")),
            )
            .await;
        assert_eq!((status, code(&own)), (403, "four_eyes"), "{backend}: {own}");
        let (status, removed, _) = service
            .write(
                &format!("/v1/blacklist/{id}/removal/approve"),
                &wang,
                &key("rm"),
                &approve(service.fresh_totp("officer.wang")),
            )
            .await;
        assert_eq!(
            (status, removed["removed_by"].as_str()),
            (200, Some("officer.wang")),
            "{backend}: {removed}"
        );
        // Gone from the list, and the value may be listed again.
        let (_, list) = service
            .get("/v1/blacklist?kind=phone&q=1390000", Some(&li))
            .await;
        assert!(
            list["items"].as_array().unwrap().is_empty(),
            "{backend}: {list}"
        );
        let (status, _, _) = service
            .write("/v1/blacklist", &li, &key("b"), &add("13900001234"))
            .await;
        assert_eq!(status, 200);
        assert_eq!(
            service_trail(&service, &format!("blacklist:{id}")).await,
            [
                "blacklist.add",
                "blacklist.removal_request",
                "blacklist.remove"
            ]
        );
    }
}
