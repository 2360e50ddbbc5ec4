"""Each response carries the request id its audit rows are stamped with."""


def test_incoming_request_id_is_echoed(client, db):
    response = client.get("/masuk/", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"


def test_unsafe_request_id_is_replaced(client, db):
    response = client.get("/masuk/", HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32
