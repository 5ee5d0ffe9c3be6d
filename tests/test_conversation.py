"""Whole conversations through the signed /sms webhook, written as tables of turns.

Each turn is (what the person texts, patterns the reply must contain, patterns it must not).
Patterns are regular expressions; an empty list of expected patterns means "no reply at all".
"""

from __future__ import annotations

import pytest

from .conftest import Phone, check_turn, opted_out

NO_REPLY = None
LIST_LINE = r"\n1\) [^\n]+\n2\) [^\n]+\n3\) [^\n]+"
PHONE = r"\d{3}-\d{3}-\d{4}"

CONVERSATIONS = {
    "a greeting gets the program name and the numbered menu": [
        ("hi", [r"CPR Reentry Line", r"1 Food 2 Bed", r"0 Talk to a person"], []),
    ],
    "a need with a ZIP gets the 3 nearest places with phone, street and hours": [
        ("need a bed tonite 35204", [r"^Shelter near 35204:", LIST_LINE, PHONE,
                                     r"Open 24/7", r"Reply 1-3 for details, MORE for more"], []),
    ],
    "a need without a place asks where, then remembers the place": [
        ("food", [r"Food: what ZIP code or part of town are you in\?"], [r"\d\) "]),
        ("im in ensley", [r"^Food near Ensley:", LIST_LINE], []),
        ("clothes", [r"^Clothes near Ensley:", LIST_LINE], [r"what ZIP"]),
    ],
    "a menu number works like naming the need": [
        ("menu", [r"1 Food"], []),
        ("4", [r"ID and papers: what ZIP"], []),
        ("35211", [r"ID and papers near 35211:", LIST_LINE, r"Reply STEPS"], []),
    ],
    "ANY searches the whole county": [
        ("dentist", [r"Dentists: what ZIP"], []),
        ("any", [r"^Dentists in Jefferson County:", r"1\) "], []),
    ],
    "details give address, phone, hours and who it is for": [
        ("ID 35204", [LIST_LINE], []),
        ("1", [r"^Health Dept Central: Birth certificates",
               r"1400 Sixth Avenue", r"Call 205-588-5234", r"Call for hours",
               r"You, a parent, spouse"], []),
    ],
    "a task with steps gets the steps first, then places on MORE, and STEPS pages on": [
        ("i need my birth certificate 35233", [r"^Get your birth certificate:\n1\. ",
                                               r"MORE for places"], [r"\d\) "]),
        ("MORE", [r"^ID and papers near 35233:\n1\) Health Dept"], []),
        ("1", [r"Call 205-588-5234"], []),
        ("steps", [r"\n[2-9]\. "], []),
    ],
    "STEPS at the place question gives the steps and still waits for the place": [
        ("i need an id", [r"what ZIP"], []),
        ("STEPS", [r"^Get an Alabama state ID:\n1\. "], [r"did not catch"]),
        ("35203", [r"^ID and papers near 35203:"], []),
    ],
    "STEPS after a list gives the guide for that need": [
        ("id 35203", [r"Reply STEPS: Get an Alabama state ID"], []),
        ("STEPS", [r"^Get an Alabama state ID:\n1\. ", r"[Bb]irth certificate"], []),
    ],
    "two needs in one message are answered one after the other": [
        ("food and somewhere to sleep 35204", [r"^Food near 35204:\n1\) ",
                                               r"Shelter near 35204:\n4\) ",
                                               r"Reply 1-6 for details"], []),
        ("5", [PHONE], []),
    ],
    "MORE shows the next places and keeps their numbers, so any can be picked": [
        ("jobs 35203", [LIST_LINE], []),
        ("MORE", [r"^Jobs near 35203:\n4\) [^\n]+\n5\) ", r"Reply 4-6 for details"],
         [r"\n1\) "]),
        ("5", [PHONE], [r"Reply with a number"]),
        ("2", [PHONE], [r"Reply with a number"]),
    ],
    "MENU and RESET work from any step": [
        ("food", [r"what ZIP"], []),
        ("MENU", [r"1 Food 2 Bed"], [r"what ZIP"]),
        ("shelter", [r"Shelter: what ZIP"], []),
        ("reset", [r"1 Food 2 Bed"], []),
    ],
    "Spanish in, Spanish out, without accents that cost money": [
        ("necesito comida en bessemer", [r"^Comida cerca de Bessemer:", r"Responda 1-\d"],
         [r"[áíóú]"]),
        ("1", [r"Llame al|Web: "], [r"Call "]),
    ],
    "ESPANOL and ENGLISH switch the language and it is remembered": [
        ("ESPANOL", [r"Listo, le escribimos en espa.ol", r"1 Comida"], []),
        ("food", [r"Comida: .en qu. codigo postal"], []),
        ("ENGLISH", [r"OK, we will text in English", r"1 Food"], []),
        ("necesito ropa 35204", [r"^Clothes near 35204"], []),
    ],
    "a number that is not on the list is answered, not guessed": [
        ("jobs 35203", [LIST_LINE], []),
        ("9", [r"Reply with a number from the list"], []),
    ],
    "nonsense gets an honest 'did not understand' and the menu": [
        ("hi", [r"1 Food"], []),
        ("purple monkey dishwasher", [r"Sorry, I did not understand", r"1 Food"], []),
    ],
    "HELP names the program, a way to reach a person, rates and STOP": [
        ("HELP", [r"CPR Reentry Line", r"call 211", r"Msg&data rates may apply",
                  r"Reply STOP to cancel"], []),
    ],
    "asking for a person gives a number to call now": [
        ("can i talk to a real person", [r"call 211"], []),
        ("menu", [r"0 Talk to a person"], []),
        ("0", [r"call 211"], []),
    ],
    "questions about the places just listed are answered from the catalog": [
        ("need a bed tonite 35204", [LIST_LINE], []),
        ("is the first one open now", [r"^1\) First Light Shelter: Open 24/7"], [r"\n2\) "]),
        ("how do i get there", [r"1\) First Light Shelter: 2230 Fourth Avenue North",
                                r"MAX 205-521-0101"], []),
        ("do they take people with a record", [r"(takes people with records|Call first)"],
         []),
        ("jimmie hale", [r"^Jimmie Hale Mission: Men's shelter beds", r"Call 205-323-5878"],
         []),
    ],
    "the answer to the place question is a place, whatever else it says": [
        ("food", [r"what ZIP"], []),
        ("fairfield near the church", [r"^Food near Fairfield:"], [r"Mentors"]),
    ],
    "I'd is I would, never an ID": [
        ("I'd like a bed tonight 35204", [r"^Shelter near 35204"], [r"ID and papers"]),
    ],
    "a place question about a topic gets the guide at once": [
        ("can i vote with a felony", [r"^Can I vote with a felony\?:\n1\. "], []),
    ],
    "a bed tonight with no sex said lists men's and women's beds, labeled, no waiting list": [
        ("need a bed tonight 35203", [r"\(women\)", r"\(men\)"],
         [r"waiting list", r"[Rr]ent help", r"Housing Authority"]),
    ],
    "a man asking for a bed gets men's and open beds only, and it is remembered": [
        ("im a man need a bed tonight 35203", [r"Firehouse", r"\(men\)"], [r"\(women\)"]),
        ("need clothes", [r"^Clothes near 35203:"], [r"\(women\)"]),
    ],
    "who the person is, said after a list, gets the same help again for them": [
        ("need rehab 35203", [r"\(men\)"], []),
        ("im a woman with 2 kids", [r"^Drug and alcohol help near 35203:", r"\(women"],
         [r"\(men", r"Kids and family"]),
    ],
    "a private provider is said to want insurance or pay, and ranks below what is free for "
    "one who has neither; detox at night offers the 24/7 crisis center": [
        ("need detox 35203", [r"Bradford Health[^\n]*\(insurance or pay\)",
                              r"JBS Crisis Care[^\n]*\(24/7 drug crisis care\)"], []),
        ("no money no insurance", [r"^1\) JBS Crisis Care"], [r"^[1-3]\) Bradford"]),
    ],
    "a father with his children gets shelters that take children, not a men's shelter": [
        ("im a dad with my 2 boys, we need a place to stay 35203",
         [r"^1\) Salvation Army", r"Family Promise \(families\)"], [r"\(men"]),
    ],
    "the answer to the place question keeps the kind asked for, not a bus": [
        ("need detox tonight been drinking heavy", [r"what ZIP"], []),
        ("downtown by the greyhound", [r"^Drug and alcohol help near (Downtown|The Greyhound):",
                                       r"JBS Crisis Care[^\n]*24/7 drug crisis care"],
         [r"MAX", r"Ride"]),
    ],
    "no ID, said at the place question or added after a list of beds, is a fact, not an ID "
    "search": [
        ("need somewhere to sleep tonite", [r"^Shelter: what ZIP"], []),
        ("i dont got no id either", [r"^Shelter: what ZIP"], [r"ID and papers"]),
        ("dropped me at the greyhound", [r"^Shelter near The Greyhound:", r"\(men\)"], []),
        ("no id either", [r"^Shelter near The Greyhound:"], [r"ID and papers"]),
    ],
    "a ride asked for at the place question is asked for, though it says no car": [
        ("need somewhere to sleep tonite", [r"^Shelter: what ZIP"], []),
        ("como llego a la oficina de probacion sin carro", [r"^Transporte: "], [r"^Refugio"]),
    ],
    "who comes along, said at the place question, is no new need: the place is asked again": [
        ("is the warming station open tonight", [r"^Shelter: what ZIP"], []),
        ("me and my girl", [r"did not catch a place"], [r"Kids and family"]),
        ("downtown", [r"^1\) Jimmie Hale: Warming station"], []),
    ],
    "asked what is open now, a list with no hours known says none is sure to be open": [
        ("GED classes open now? 35203",
         [r"^GED and school near 35203:", r"None is sure to be open now; call first"], []),
        ("food open now 35203", [r"^Food near 35203:", r"Open"], [r"None is sure"]),
    ],
    "after the domestic-violence lines, a place finds a safe shelter there": [
        ("my bf hit me again i cant go back there tonite",
         [r"call 911", r"205-322-4878", r"ZIP or town for a safe place tonight"], [r"\d\) "]),
        ("tarrant. im at the gas station", [r"^Shelter near Tarrant:", r"^1\) YWCA"],
         [r"MAX", r"Ride"]),
    ],
    "meetings asked for are meetings, not a methadone clinic": [
        ("drinking again bad. want meetings or something, trussville",
         [r"^Drug and alcohol help near Trussville:", r"^1\) AA Birmingham"], [r"Methadone"]),
    ],
    "a waiting list is said to be one": [
        ("how do i sign up for section 8 35212", [r"Housing Auth[^\n]*\(waiting list\)"], []),
    ],
    "food near Bessemer lists a pantry in Bessemer": [
        ("need groceries bessemer",
         [r"^Food near Bessemer:", r"Salvation Army Bessemer: Food pantry"], []),
    ],
    "a place only for people with HIV is labeled so, and ranks below open ones": [
        ("need clothes 35233", [LIST_LINE], [r"AIDS Outreach"]),
        ("MORE", [r"AIDS Outreach[^\n]*\(people with HIV\)"], []),
    ],
    "a warehouse that serves no one who walks in is never listed": [
        ("food 35209", [LIST_LINE], [r"Food Bank[^\n]*partner agencies", r"Christian Service"]),
        ("MORE", [r"\d\) "], [r"Food bank for partner", r"Food supply for ministries"]),
    ],
    "Spanish details carry Spanish notes only, without source years": [
        ("necesito comida 35211", [r"^Comida cerca de 35211:"], []),
        ("1", [r"Horario: ", r"Llame al"], [r"from the", r"partner list", r"\(20\d\d\)"]),
    ],
    "STEPS after a finished guide says it was the last step": [
        ("can i vote with a felony", [r"^Can I vote with a felony\?:\n1\. "], []),
        ("steps", [r"\n\d\. "], []),
        ("steps", [r"\n\d\. |last step"], []),
        ("steps", [r"\n\d\. |last step"], []),
        ("steps", [r"\n\d\. |last step"], []),
    ],
    "naloxone gets the steps first, then places": [
        ("where can i get narcan 35203", [r"^Get naloxone \(Narcan\):\n1\. ", r"MORE for places"],
         [r"\d\) "]),
        ("more", [r"^Drug and alcohol help near 35203:\n1\) Health Dept Central"],
         [r"\n2\) ", r"Reply STEPS: Get naloxone"]),
    ],
    "what the person tells of themselves before the ask is not the need": [
        ("tarrant, no car, need food today", [r"^Food near Tarrant:\n1\) "], [r"[Rr]ide|bus"]),
        ("hiv positive, need a dentist 35233", [r"^Dentists near 35233:"], [r"HIV|[Dd]octors"]),
    ],
    "a kind of help asked after the story picks the need": [
        ("they dropped me at the greyhound. i need a bed tonight 35203",
         [r"^Shelter near 35203:\n1\) ", r"\(men", r"\(women"], []),
    ],
    "two services of one organization in a list are told apart": [
        ("how do i sign up for section 8 35212",
         [r"\n2\) Section 8 outside Birmingham", r"\n3\) Shelter Plus Care"], []),
    ],
    "a place only for others does not pad a list that has places for the person": [
        ("got a prescription from the ER but cant afford it 35205", [r"\n3\) "], [r"AIDS|HIV"]),
    ],
}

CRISIS = [r"call 911", r"988", r"205-323-7777"]

SAFETY = {
    "crisis words beat the step the person is in": [
        ("food", [r"what ZIP"], []),
        ("i want to kill myself", CRISIS, [r"what ZIP", r"\d\) "]),
    ],
    "an overdose happening gets 911 and Narcan at once": [
        ("my friend is overdosing and not breathing", [r"^Call 911 now", r"Narcan"], []),
    ],
    "chest pain with a numb arm gets 911 first, not a clinic list": [
        ("chest hurts and my left arm numb", [r"^Call 911 now", r"ambulance"], [r"\d\) "]),
        ("me duele el pecho y el brazo", [r"^Llame al 911 ya"], [r"\d\) "]),
    ],
    "a husband beating her, in Spanish, gets the domestic-violence lines": [
        ("mi esposo me esta golpeando", [r"911", r"205-322-4878", r"1-800-650-6522"], []),
    ],
    "a crisis mentioned with a need still gets the crisis lines": [
        ("i need food but honestly i dont wanna be here no more", CRISIS, []),
    ],
    "a hint of crisis beside a need gets the need with one safety line on top": [
        ("everything feels hopeless, i need a bed 35204", [r"^If you are thinking of hurting "
                                                           r"yourself, call or text 988",
                                                           r"Shelter near 35204"], []),
    ],
    "'not suicidal' is not a crisis": [
        ("im not suicidal i just need food 35204", [r"^Food near 35204"], [r"988"]),
    ],
    "STOP opts out with one confirmation, then nothing more is sent until START": [
        ("food 35204", [LIST_LINE], []),
        ("STOP", [r"unsubscribed", r"START"], []),
        ("food", NO_REPLY, []),
        ("i want to kill myself", NO_REPLY, []),
        ("START", [r"Welcome back", r"Reply STOP to cancel"], []),
        ("food 35204", [LIST_LINE], []),
    ],
    "plain-language opt-out counts": [
        ("please stop texting me", [r"unsubscribed"], []),
        ("hello?", NO_REPLY, []),
    ],
    "'dont stop helping me' is not an opt-out": [
        ("dont stop helping me", [r"1 Food"], [r"unsubscribed"]),
        ("food 35204", [LIST_LINE], []),
    ],
    "YES after an opt-out opts back in, as Twilio does": [
        ("unsubscribe", [r"unsubscribed"], []),
        ("yes", [r"Welcome back"], []),
    ],
}


@pytest.mark.parametrize("turns", [*CONVERSATIONS.values(), *SAFETY.values()],
                         ids=[*CONVERSATIONS, *SAFETY])
def test_conversation(phone: Phone, turns):
    for body, expected, forbidden in turns:
        check_turn(phone.send(body), expected, forbidden, body)


@pytest.mark.parametrize("keyword", ["STOP", "stop", "Stop.", "STOPALL", "UNSUBSCRIBE",
                                     "cancel", "END", "quit!", "REVOKE", "OPTOUT"])
def test_every_opt_out_keyword_opts_out(app, phone: Phone, keyword):
    assert "unsubscribed" in phone.reply(keyword)
    assert opted_out(app, phone.number)
    assert phone.send("food 35204") == []
    assert "Welcome back" in phone.reply("UNSTOP")
    assert not opted_out(app, phone.number)


def test_twilio_managed_opt_out_is_recorded_without_a_second_confirmation(app, phone):
    assert phone.send("STOP", OptOutType="STOP") == []
    assert opted_out(app, phone.number)
    assert phone.send("START", OptOutType="START") == []
    assert not opted_out(app, phone.number)


def test_a_second_stop_gets_no_second_confirmation(phone):
    assert "unsubscribed" in phone.reply("STOP")
    assert phone.send("STOP") == []


def test_a_conversation_is_forgotten_after_a_week_of_silence(app, phone, redis_client):
    from cpr_bot.state import keys

    for body in ("food", "35204", "1"):
        phone.send(body)
        # The state's time to live restarts at every turn.
        assert 0 < redis_client.ttl(keys.conversation(phone.number)) <= 7 * 24 * 3600


def test_two_people_have_separate_conversations(client):
    alice, bob = Phone(client, "+12055550111"), Phone(client, "+12055550222")
    alice.send("food")
    assert "Shelter: what ZIP" in bob.reply("shelter")
    assert alice.reply("35204").startswith("Food near 35204")
