"""A parent holding the guide signs in, sees the home page, and signs out."""
import re

from playwright.sync_api import expect

from tests.site.helpers import open_page, sign_in, wait_ready


def test_demo_family_signs_in_sees_its_child_and_signs_out(page):
    sign_in(page)
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    expect(page.get_by_text("TOTO").first).to_be_visible()
    page.get_by_role("button", name="Déconnexion").click()
    expect(page).to_have_url(re.compile(r"/connexion\.html"))
    # The session is dead: the home page sends us back to the sign-in page.
    page.goto("/index.html")
    expect(page).to_have_url(re.compile(r"/connexion\.html"))


def test_wrong_password_shows_a_message_and_stays_on_the_sign_in_page(page):
    sign_in(page, "famille.test@example.org", "pas le bon mot de passe")
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect")
    expect(page).to_have_url(re.compile(r"/connexion\.html"))


def _family_item(stack):
    client = stack.dynamodb()
    table = next(n for n in client.list_tables()["TableNames"] if n.endswith("-families"))
    return client, table


def test_forgotten_password_link_from_the_outbox_lets_the_parent_choose_a_new_one(page, stack):
    client, table = _family_item(stack)
    original = client.get_item(TableName=table, Key={"number": {"S": "1001"}},
                               ConsistentRead=True)["Item"]
    open_page(page, "/connexion.html")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    wait_ready(page)
    page.get_by_label("Votre adresse email").fill("famille.test@example.org")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("Si cette adresse correspond à un compte")).to_be_visible()
    link = re.search(r"http://\S+token=\S+", stack.outbox()[0]["text"]).group(0)
    open_page(page, link)
    page.get_by_label("Nouveau mot de passe").fill("une nouvelle phrase secrète")
    page.get_by_label("Confirmez le mot de passe").fill("une nouvelle phrase secrète")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_text("Votre mot de passe a été modifié")).to_be_visible()
    sign_in(page, "1001", "une nouvelle phrase secrète")
    expect(page.get_by_text("Bienvenue TEST !")).to_be_visible()
    # Put the demo password back for the other tests, behind the portal's back: the demo
    # password holds a word of the family's address ("famille"), which the password
    # policy refuses to a parent choosing one.
    client.put_item(TableName=table, Item=original)
