from tests.client import body
from tests.demo import FAMILY


def test_health_answers_ok(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert body(response)["status"] == "ok"


def test_demo_family_signs_in_with_its_number(api):
    response = api.login(*FAMILY)
    assert response.status_code == 200, response.body
    assert body(response) == {"role": "family", "name": "TEST", "must_change_password": False,
                              "family_number": "1001"}
    family = body(api.get("/family"))
    assert family["children"][0]["first_name"] == "TOTO"
