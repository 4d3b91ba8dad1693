from tests.authoring.test_module_editor import admin_client, create, edit_url, editor_data
import re
def test_dbg(app):
    client, _admin = admin_client(app)
    create(client, sections=[("A", "a"), ("B", "b")],
           questions=[("Q1", ["x", "y"], [0], ""), ("Q2", ["x", "y"], [1], "")])
    html = client.get(edit_url("uusi-moduuli")).get_data(as_text=True)
    data = editor_data(html) | {"action": "down-question-0"}
    print(data)
    html = client.post(edit_url("uusi-moduuli"), data=data).get_data(as_text=True)
    data = editor_data(html) | {"action": "save", "sections-1-body": "b muutettu"}
    print(data)
    html = client.post(edit_url("uusi-moduuli"), data=data).get_data(as_text=True)
    print(re.findall(r'class="error"[^>]*>[^<]*', html), re.findall(r'error-summary.*?</div>', html, re.S))
