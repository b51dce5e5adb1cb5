"""Builds `tuning/data/train.jsonl`: labelled English and Korean support chats for LoRA tuning.

Every chat is composed from hand-written scenarios below. A scenario is one support situation
(a topic and a problem) written as turns, each with a few interchangeable phrasings, plus one
or more *arcs* (how it ends): `%neg` (customer still dissatisfied, sentiment -1), `%neu`
(neutral / merely accepting, 0) or `%pos` (satisfied, 1). Each arc carries its own summaries
(`S:`) and, for `%neg`, apologies (`P:`), written for that ending. Variants rotate through
the phrasings, slot values (`@slot: a ; b`, forms `a / short a`), optional verification
exchanges (`~verify`), greetings, sign-offs and customer-side noise (lower case, typos, caps,
emoji). Near-duplicates are dropped (shingle Jaccard > MAX_SIMILARITY) and labels are
balanced per language. Labelling rules: `tuning/data/README.md`.

    python tuning/data/make_train.py            # writes tuning/data/train.jsonl (seeded)

DSL: `### name kind` starts a scenario (kind picks the verification filler: order, account,
booking, line, none); `C:` customer turn, `A:` agent, `A2:` a second agent after a transfer;
`C?x:` / `A?x:` optional turns included together per group letter x; ` | text` adds another
phrasing of the line above; `{slot}`, `{slot.1}` (second form), `{Slot}` (capitalised),
`{slot|을}` (Korean particle chosen by the final consonant); `#!` starts a comment.
"""

# Scenario lines are data, one turn per line, and the parser is line-based: wrapping them at 100
# characters would split turns, so the line-length rule is off for this file only.
# ruff: noqa: E501

import json
import random
import re
import sys
from pathlib import Path

EN_FIRST = ["Sam", "Priya", "Tom", "Aisha", "Leo", "Hannah", "Marco", "Wen", "Olu", "Grace",
            "Jonas", "Mei", "Callum", "Fatima", "Rosa", "Dev"]
EN_LAST = ["Hughes", "Patel", "Okafor", "Berg", "Novak", "Reid", "Costa", "Lindqvist", "Shah",
           "Moreau", "Kowalski", "Tan", "Doyle", "Mensah"]
KO_NAMES = ["김서연", "이준호", "박지민", "최유진", "정민재", "한소희", "윤도현", "장하늘", "오세린",
            "강태윤"]
KO_ROMAN = ["seoyeon", "jhlee", "minjae.j", "yujin_c", "hanul", "dohyun.y", "serin.oh", "tykang",
            "jiminp", "sohee"]
MAIL_DOMAINS = ["inbox.example", "mailhub.example", "post.example", "example.net"]

EN_TYPOS = {
    "received": "recieved", "definitely": "definately", "really": "realy", "because": "becuase",
    "tomorrow": "tommorow", "until": "untill", "which": "wich", "their": "thier",
    "please": "pls", "you": "u", "thanks": "thx", "address": "adress", "with": "wiht",
    "know": "kno", "what": "wat", "order": "oder", "just": "jsut", "again": "agian",
    "waiting": "wating", "minutes": "mins", "arrived": "arived", "delivery": "delivary",
    "account": "acount", "weeks": "wks", "believe": "beleive", "sure": "shure",
    "anything": "anythng", "appreciate": "apreciate", "that's": "thats", "don't": "dont",
    "it's": "its", "i'm": "im", "can't": "cant", "doesn't": "doesnt", "your": "ur",
}
KO_TYPOS = {"됐어요": "됬어요", "할게요": "할께요", "며칠": "몇일", "안 돼요": "안되요",
            "됐는데": "됬는데", "어떡해요": "어떻해요", "금세": "금새", "돼서": "되서",
            "줄게요": "줄께요", "웬일": "왠일", "괜찮아요": "갠찮아요", "해 주세요": "해주세용"}

# Verification exchanges, by scenario kind, inserted at `~verify`.
FILLERS = {
    "en": {
        "order": [
            [("A", "Could you give me the order number?"), ("C", "{order}")],
            [("A", "Can I take the order number, please?"), ("C", "it's {order}")],
            [("A", "Which order is this about? The number's in your confirmation email."),
             ("C", "{order}")],
            [("A", "Let me pull up the order. What's the number?"), ("C", "{order}, placed around {clock}")],
        ],
        "account": [
            [("A", "Can you confirm the email address on the account?"), ("C", "{email}")],
            [("A", "For security, what's the email you signed up with?"), ("C", "it's {email}")],
            [("A", "Which email is the account registered to?"), ("C", "{email}")],
        ],
        "booking": [
            [("A", "Could I have the booking reference?"), ("C", "{ref}")],
            [("A", "What's your booking reference? It's six characters."), ("C", "{ref}")],
            [("A", "Can you give me the reference and the surname on the booking?"),
             ("C", "{ref}, {fullname}")],
        ],
        "line": [
            [("A", "Can you confirm the account holder's full name and postcode?"),
             ("C", "{fullname}, {postcode}")],
            [("A", "To find your account, what's the postcode and the name on the bill?"),
             ("C", "{postcode}, {fullname}")],
        ],
        "none": [[("A", "Can I take your name, please?"), ("C", "{fullname}")]],
        "hold": [
            [("A", "Thanks, give me a moment to pull that up."), ("C", "sure")],
            [("A", "One moment while I check."), ("C", "ok")],
            [("A", "Bear with me, I'm looking into it now."), ("C", "go ahead")],
        ],
    },
    "ko": {
        "order": [
            [("A", "주문번호 좀 확인해 주시겠어요?"), ("C", "{order}이요")],
            [("A", "확인을 위해 주문번호 부탁드립니다."), ("C", "{order}번입니다")],
            [("A", "주문번호나 주문하신 분 성함을 알려 주세요."), ("C", "{order}")],
        ],
        "account": [
            [("A", "가입하신 이메일 주소를 알려 주시겠어요?"), ("C", "{email}")],
            [("A", "본인 확인을 위해 계정 이메일을 말씀해 주세요."), ("C", "{email} 입니다")],
        ],
        "booking": [
            [("A", "예약번호를 알려 주시겠어요?"), ("C", "{ref}입니다")],
            [("A", "예약 확인을 위해 예약번호와 예약자 성함 부탁드립니다."), ("C", "{ref}, {kname}")],
        ],
        "line": [
            [("A", "명의자 성함과 생년월일 여섯 자리 확인 부탁드립니다."), ("C", "{kname}, {birth}")],
            [("A", "본인 확인을 위해 가입자 성함과 생년월일을 말씀해 주세요."), ("C", "{kname}이요. {birth}")],
        ],
        "none": [[("A", "성함을 알려 주시겠어요?"), ("C", "{kname}입니다")]],
        "hold": [
            [("A", "확인해 보겠습니다. 잠시만 기다려 주세요."), ("C", "네")],
            [("A", "조회해 볼게요. 조금만 기다려 주시겠어요?"), ("C", "네 기다릴게요")],
            [("A", "잠시만요, 내역 확인 중입니다."), ("C", "넵")],
        ],
    },
}

GREETINGS = {
    "en": ["Hi, thanks for getting in touch. How can I help today?",
           "Hello, you're chatting with customer support. What can I do for you?",
           "Good evening! What can I help you with?",
           "Hi there, how can I help?"],
    "ko": ["안녕하세요, 고객센터입니다. 무엇을 도와드릴까요?",
           "안녕하세요. 상담사 {kname}입니다. 어떤 도움이 필요하신가요?",
           "반갑습니다, 고객님. 문의하실 내용 말씀해 주세요."],
}
SIGNOFFS = {
    "en": {1: ["Happy to help, enjoy your evening!", "Glad it worked out. Take care!",
               "Thanks for your patience, have a lovely day."],
           0: ["You're welcome. Have a good day!", "No problem, bye for now.",
               "Anything else, just message us."],
           -1: ["I understand, and I'm sorry again.", "I've noted your feedback on the account.",
                "I'll make sure this is passed on."]},
    "ko": {1: ["도움이 되어 기쁩니다. 좋은 하루 보내세요!", "이용해 주셔서 감사합니다 :)"],
           0: ["네, 감사합니다. 좋은 하루 되세요.", "더 궁금하신 점 있으면 언제든 문의 주세요."],
           -1: ["다시 한번 불편을 드려 죄송합니다.", "말씀하신 내용은 담당 부서에 전달하겠습니다."]},
}

EN_SCENARIOS = r"""
### late_food order
@dish: chicken tikka and two naans / curry ; pad thai and spring rolls / pad thai ; two poke bowls / poke bowls ; a burrito bowl with nachos / burrito bowl ; lamb souvlaki wraps / souvlaki
C: My {dish} took {min} minutes and showed up lukewarm.
 | Ordered {dish} and it only got here after {min} minutes. Everything's barely warm.
 | hi, the {dish} just turned up, {min} minutes after I ordered, and it's not even warm anymore
~verify
A: I'm sorry about the wait. The restaurant was short on drivers tonight.
 | Apologies for that. I can see the driver was held up collecting another order first.
 | That's not the experience we want for you, sorry. The kitchen had a backlog this evening.
%neg
C: That's not my problem. I paid a delivery fee for hot food.
 | Short on drivers again? I've heard that one before.
 | So I get cold food because of your scheduling. Great.
A: I can add a credit for the delivery fee to your account.
 | I've added a credit to your account for the delivery fee.
C: A credit doesn't fix tonight's dinner. Really disappointed.
 | Don't bother. I'll think twice before ordering from you again.
 | Keep it. I'm done with this app for a while.
S: {Dish.1} arrived {min} minutes late and lukewarm; agent offered a delivery-fee credit but the customer is still upset.
 | Late, lukewarm {dish.1} delivery ({min} min). Customer rejected the credit offered and remains dissatisfied.
P: We're sorry your {dish.1} took {min} minutes to reach you and arrived lukewarm. The credit for the delivery fee that we offered is yours to use.
 | We apologise that your {dish.1} turned up {min} minutes after you ordered and barely warm. We know a credit for the delivery fee doesn't make up for tonight's dinner.
%pos
A: I've asked the restaurant to cook a fresh {dish.1} and send it with the next driver, on us. It should be with you in about 25 minutes.
 | Let me make it right: a fresh {dish.1} is being prepared now and will go out as a priority delivery, no charge.
C: Oh, that's really kind, thank you!
 | wow ok, that's more than I expected. thanks!
C: The new one just arrived piping hot. Great service, thanks again!
 | Second delivery came in 20 minutes and it's perfect. Really appreciate it.
S: {Dish.1} arrived {min} minutes late and lukewarm; a free fresh meal was sent quickly and the customer is happy.
 | Late, cold {dish.1} order replaced free with a priority delivery that arrived hot. Customer is pleased.
%neu
A: I've refunded the delivery fee to your card.
 | The delivery fee has been refunded; you'll see it in 3-5 days.
C: ok, thanks.
 | Fine, that'll do.
 | Alright.
S: {Dish.1} arrived {min} minutes late and lukewarm; the delivery fee was refunded and the customer accepted it calmly.

### wrong_food order
@got: a veggie lasagne ; a sushi platter ; a kids' meal ; two beef burgers ; a Caesar salad
@ordered: a chicken shawarma wrap / shawarma wrap ; mushroom risotto / risotto ; a spicy tofu bowl / tofu bowl ; vegan ramen / ramen
C: I ordered {ordered} and got {got} instead.
 | Hi, wrong food delivered. I got {got}, I ordered {ordered}.
 | the bag you sent has {got} in it. where's my {ordered.1}??
~verify
A: I'm sorry, it looks like the bags were swapped at the restaurant.
 | Apologies, it seems the driver picked up the wrong bag.
%neg
A: I can refund the order for you.
 | I can issue a refund, or a voucher for next time.
C: A refund isn't what I want, I wanted dinner. It's too late to order again now. This is the second wrong order this month.
 | A refund doesn't feed my kids. We've waited an hour and now there's nothing to eat. Terrible.
 | Seriously? That's it? I'm hungry, it's late, and you're offering me money back. Useless.
S: Customer received {got} instead of their {ordered.1}; a refund was offered but the customer is angry about being left without dinner.
 | Wrong order: {got} delivered instead of the {ordered.1}. Refund offered; customer still upset and without dinner.
P: We're very sorry you received {got} instead of your {ordered.1} and were left without dinner. The refund we offered for the order still stands.
 | We apologise that {got} was delivered instead of your {ordered.1}, leaving you with nothing to eat tonight. We can still refund the order for you.
%pos
A: I've asked the restaurant to remake your {ordered.1} right now and send it with a dedicated driver. You can keep the other food.
 | A fresh {ordered.1} is being made now and will come straight to you. No need to return the other bag.
C: Oh nice, thank you!
 | ok great, thanks
C: Got the right order now and it's delicious. Thanks for fixing it so fast, really appreciate it!
 | it's here and still hot. you guys handled that really well, thank you!!
S: Customer got {got} instead of their {ordered.1}; the correct meal was remade and delivered fast, and the customer is pleased.
 | Wrong food delivered, then quickly replaced with the right {ordered.1}. Customer is happy with the fix.

### missing_item order
@missing: garlic bread ; extra dumplings ; mango lassi ; side salad ; dipping sauces ; onion bhajis
C: The {missing} I paid for wasn't in the bag.
 | hi, no {missing} in my delivery.
 | Just unpacked everything and the {missing} is missing.
%neu
A: Sorry about that! I've refunded the {missing} to your card.
 | Apologies, I've issued a refund for the {missing}. It'll show in 3-5 days.
C: ok, thanks for sorting it.
 | Fine, thank you.
 | no worries, thanks
S: Order arrived without the {missing}; agent refunded the item and the customer accepted calmly.
 | Customer reported missing {missing}; it was refunded. Neutral, no further complaint.
%neg
A: Sorry! I can refund the {missing} for you.
 | I'm sorry about that, I'll put through a refund for the {missing}.
C: That's what you said last time too. Every single order something is left out. I'm getting really tired of this.
 | Refund, sure. But it's the third time in a row something's been left out. It's getting ridiculous.
S: Order arrived without the {missing} again; refund offered, but the customer is fed up with repeated missing items.
P: We're sorry the {missing} was missing from your order again. We'll refund the {missing} for you.
 | We apologise that something has been left out of your order yet again, this time the {missing}. You'll get a refund for it.
%pos
A: Sorry! I've refunded the {missing} and popped a voucher for a free side on your account.
C: Oh that's generous, thank you! Everything else was delicious.
 | ha, lovely, thanks a lot!
S: Order arrived without the {missing}; agent refunded the item and added a voucher, and the customer is pleased.

### nut_allergy order
@dessert: carrot cake / carrot cake ; chocolate brownie / brownie ; banana loaf / banana loaf ; lemon drizzle slice / lemon slice
C: My son has a nut allergy. The {dessert} was labelled nut-free and there were walnut pieces in it.
 | The {dessert} said NUT-FREE on the label. We found walnuts in it and my daughter is allergic.
A: That's extremely serious and I'm so sorry. First of all, is your child alright?
 | I'm so sorry. Before anything else, is everyone okay?
C: Yes, we noticed after one bite and gave antihistamines, but it was terrifying.
 | They're fine, we spotted it quickly, but we were really scared.
A: I'm escalating this to our food safety team right now and asking the kitchen to pull that item until it's checked.
 | I've raised an urgent food safety report and the item is being taken off the menu while it's investigated.
C: Thank you, but honestly I'm shaken and angry. A label like that is supposed to be something we can trust.
 | I appreciate that, but this could have ended in hospital. I'm furious.
%neg
S: Walnuts found in a {dessert.1} labelled nut-free, eaten by the customer's allergic child; escalated to food safety, customer is shaken and angry.
 | Customer's allergic child bit into a "nut-free" {dessert.1} containing walnuts. Urgent safety report raised; customer is furious.
P: We're deeply sorry that the {dessert.1} labelled nut-free contained walnuts and put your child at risk. This has been raised urgently as a food safety matter, and the item is off the menu until it's checked.
 | We are truly sorry that your child bit into a {dessert.1} labelled nut-free that had walnuts in it. The {dessert.1} has been withdrawn while food safety investigate.

### food_praise none
@dish: the new ramen / ramen ; the lamb kofta / kofta ; the sourdough pizza / sourdough pizza ; the Sunday roast / roast ; the mushroom bao / bao
C: Just had {dish} from your Elm Road kitchen and it was fantastic.
 | Had to message you: {dish} tonight was honestly the best I've had in ages.
 | {Dish} was amazing!! Best meal I've had all week.
A: That's so lovely to hear, thank you! I'll share it with the kitchen team.
 | Thank you! The chefs will be thrilled.
%pos
C: Please do. The driver was super polite too. Ordering again next week!
 | Definitely ordering again. Keep it up!
 | Tell the chef they nailed it. 10/10.
S: Customer praised the {dish.1} and plans to order again; very satisfied.
 | Enthusiastic praise for the {dish.1}; the customer is delighted and will be back.

### group_booking none
@n: 12 ; 14 ; 18 ; 20
@day: Saturday ; Friday ; Sunday
C: Do you take bookings for groups of {n}? Thinking about {day} evening.
 | hi, is it possible to book a table for {n} people on {day}?
A: Yes, groups over 10 sit in the back room on a set menu, and we take a small deposit to hold the booking.
 | We can seat {n} in our private room. Bookings that size are on the set menu with a deposit.
C: Can people with dietary needs still order separately?
 | does the set menu have vegetarian options?
A: Yes, there's a vegetarian and a gluten-free version of each course.
%neu
C: OK, I'll check with everyone and book online.
 | alright, I'll confirm numbers tomorrow.
S: Customer asked about booking a table for {n} on {day}; agent explained the private room, set menu and deposit. Neutral enquiry.
%pos
C: Perfect, that's exactly what we needed! Booking it now, thank you so much.
 | Oh brilliant, that solves everything. Thanks, you've been really helpful!
S: Customer asked about a {day} table for {n}; the private room and dietary options suit them and they're happy.

### booking_wrong_date booking
C: We arrived for our 7:30 table and were told the booking was for 7:30 tomorrow.
 | Our reservation was put in for the wrong day. We turned up tonight at 7:30 and there was no table.
~verify
A: I'm so sorry. I can see the booking was entered for the wrong date.
 | Apologies, you're right, it was saved with tomorrow's date by mistake.
%neg
A: The restaurant is full tonight, but I can rebook you for tomorrow.
 | Unfortunately there's nothing free tonight. I could move you to tomorrow at the same time.
C: We came for my mum's 70th birthday. We ended up eating at a pub. Really disappointed.
 | It was our anniversary. We just went home in the end. I'm really upset about this.
S: Table booked for the wrong date, so the customer had no table on a special occasion; only a rebooking was offered and they're upset.
P: We're sorry your table was booked for the wrong date, leaving you without a table on such a special evening. We can still rebook you for tomorrow if you'd like.
 | We apologise that our mistake with the booking date meant there was no table for you tonight. The offer to move your booking to tomorrow is still open.
%pos
A: The manager has found you a table by the window right now, and dessert is on the house tonight.
 | I've just called the restaurant: they're setting a table for you now, and the first round of drinks is on us.
C: Oh wow, we're seated now. That turned the evening around, thank you so much!
 | Thank you! We're sitting down now, that's really kind of you.
S: Reservation was entered for the wrong day; the restaurant found a table right away with a treat, and the customer is delighted.

### rude_waiter none
@branch: Harbour Street ; Kingsway ; Old Market ; Castle Road
C: I want to complain about a waiter at your {branch} branch.
 | I was at your {branch} restaurant tonight and one of your staff was incredibly rude.
A: I'm sorry to hear that. What happened?
 | I'm sorry. Could you tell me more about what happened?
C: We asked to move tables because of a draught and he said "you'll sit where you're put" and walked off.
 | I asked for the bill twice and he sighed and told me he had better things to do.
A: That's unacceptable and I'm sorry. I'll pass this to the branch manager today.
 | That's not how our team should behave. I'm reporting it to the manager now.
%neg
C: I've been going there for years. I won't be back.
 | Please do. It completely spoiled our evening.
 | Thanks, but the damage is done. Really poor.
S: Customer complains a waiter at the {branch} branch was rude to them; reported to the manager, but the customer is still upset.
 | Rude waiter at {branch} spoiled the customer's evening; complaint passed to the manager, customer remains unhappy.
P: We're sorry a waiter at our {branch} branch spoke to you so rudely and spoiled your evening. What happened has been passed to the manager.
 | We apologise for the way a member of staff treated you at our {branch} restaurant. The manager is being told exactly what happened.

### soup_sarcasm order
C: Love paying a delivery fee for soup that arrives as a puddle in the bag. Truly premium service.
 | Fantastic packaging today, the noodle soup is now all over the bag and my hallway. Well done.
 | Great job, the soup made it about halfway into the container. The rest is in the bag. 🙃
A: I'm really sorry about that. Could you snap a picture of the bag?
 | Oh no, sorry about the mess. Do you have a photo?
C: Sent. Hope you enjoy it as much as I did.
 | There, a photo of my dinner, or what's left of it.
A: Thanks. I've refunded the soup and reported the packaging to the restaurant.
 | Thank you. The soup is refunded and I've flagged the leaking lid to the restaurant.
%neg
C: Sure. Next time I'll just order a bucket.
 | Great, I'll eat the refund then.
 | Wonderful. Still no dinner though.
S: Sarcastic complaint: soup leaked all over the bag. Refund given, but the customer is annoyed and still without dinner.
 | Customer's soup arrived spilled in the bag; refund issued, customer remains sarcastic and dissatisfied.
P: We're sorry your soup leaked all over the bag and left you without dinner. It has been refunded, and the leaking packaging has been flagged to the restaurant.
 | We apologise that most of your soup ended up in the bag instead of the container. The soup is refunded and the restaurant knows about the problem with the lid.

### parcel_wrong_house order
@item: a pair of trainers / trainers ; a coffee grinder / grinder ; a winter coat / coat ; a box of printer ink / ink ; a board game / board game
C: The tracking says my parcel was delivered yesterday but there's nothing here.
 | Your app says "delivered" for my {item.1} but I never got it.
 | hi my parcel shows delivered at {clock} but it's not at my door, not with neighbours either
~verify!
A: Thanks. The driver's photo shows the parcel by a blue front door. Is that yours?
 | I can see a delivery photo next to a blue door. Does that match your house?
C: No, my door is white. That's not my house.
 | nope, our door is green. wrong address
%neg
A: I'll open an investigation with the courier. It can take up to 5 working days.
 | I've raised a trace with the courier; they have up to 5 working days to respond.
C: Five days? I needed the {item.1} for this weekend. This is really frustrating.
 | So I just wait and hope? Not impressed at all.
S: Parcel ({item.1}) marked delivered but left at the wrong house; a 5-day courier trace was opened and the customer is frustrated.
P: We're sorry your {item.1} was marked delivered but left at the wrong house. The courier is now investigating, and they have up to 5 working days to respond.
 | We apologise that your parcel was left at someone else's door. We've asked the courier to trace it, which can take up to 5 working days.
%pos
A: I'm sending a replacement {item.1} today by express, arriving tomorrow. If the first one turns up, just refuse it at the door.
 | No need to wait on the courier: a new {item.1} goes out by express today and should be with you tomorrow.
C: Really? That's great, thanks so much for sorting this so fast!
 | amazing, thank you! didn't expect it to be that easy
S: Parcel with the {item.1} went to the wrong house; agent sent an express replacement and the customer is very pleased.
%neu
A: I'll ask the courier to go back to that address to collect it and deliver it to you tomorrow.
 | The courier will retrieve it from that house and bring it to you tomorrow.
C: OK. Let me know if there's a problem.
 | alright, I'll keep an eye on the tracking
S: Parcel with the {item.1} was delivered to the wrong house; courier will retrieve and redeliver it tomorrow. Customer is calm.

### damaged_item order
@item: ceramic table lamp / lamp ; glass coffee table / coffee table ; set of wine glasses / wine glasses ; framed print / print ; stand mixer / mixer
C: My {item} arrived smashed. The box looked like it had been dropped from a height.
 | {Item} delivered today in pieces. Really not happy.
 | Opened the box and the {item.1} is cracked right through.
A: I'm sorry about that. Could you upload a photo of the damage and the box?
 | Sorry to hear that. Can you send a couple of photos, including the packaging?
C: Done, photos sent.
 | Sent them just now.
%neg
A: Thanks. A replacement can be sent, but the {item.1} is out of stock until next month.
 | Thank you. We can replace it, though new stock only arrives next month.
C: Next month? I bought it as a gift for this weekend. That's really disappointing.
 | So I've paid and have nothing for weeks. Not good enough.
S: {Item.1} arrived broken; replacement offered but out of stock until next month, so the customer is disappointed.
P: We're sorry your {item.1} arrived broken. We can send a replacement, but it won't be back in stock until next month.
 | We apologise that your {item.1} was damaged on its way to you and that the replacement we offered can't reach you until next month.
%pos
A: Thanks. I've sent a replacement by next-day delivery and there's no need to return the broken one.
 | Thank you. A new one is on its way with next-day delivery, and you don't need to send the damaged one back.
C: Brilliant, that's a relief. Thank you for making it so easy!
 | oh that's great, thanks a lot, really appreciate it
S: {Item.1} arrived broken; a next-day replacement was sent without a return needed. Customer is relieved and happy.

### size_exchange order
@item: jeans ; hiking boots ; wool jumper / jumper ; rain jacket / jacket ; running shorts / shorts
C: The {item} I ordered came up small. Can I swap for the next size up?
 | hi, can I exchange my {item.1} for a bigger size? runs small
A: Of course. I've started an exchange for the next size up. Print the return label from your email and drop the parcel at any post office.
 | Sure, that's no problem. I've set up the exchange, and the return label is in your inbox.
%neu
C: OK, will do.
 | got it, I'll drop it off tomorrow
S: Customer asked to exchange their {item.1} for a larger size; exchange set up with a return label. Neutral request.
%pos
C: Oh that's easy, thank you! Love the {item.1} otherwise, just need the bigger size.
 | Perfect, that was so quick. Thanks, great service!
S: {Item.1} came up small; an exchange for a bigger size was set up instantly and the customer is pleased.

### refund_pending order
@item: blender ; desk chair ; trainers ; dress ; headphones ; rug
C: I returned the {item} two weeks ago and still haven't had my refund.
 | Where's my refund? Sent the {item} back on the 3rd.
 | hi, my return for the {item} got to you ages ago but no refund yet
~verify
A: Let me check. Your return arrived at our warehouse on the 8th and was inspected on the 12th.
 | I can see the {item} reached the warehouse last week and passed inspection.
%neg
A: The refund is queued and should be processed within the next 10 working days.
 | It's in the refund queue; that can take up to 10 more working days.
C: Another 10 days? Your policy says 14 days from receipt and that's already passed. This is ridiculous.
 | So a month in total to get my own money back. Unbelievable.
S: Refund for the returned {item} still not paid after two weeks; agent said up to 10 more working days and the customer is angry.
P: We're sorry your refund for the returned {item} still hasn't been paid, even though the return passed inspection. It's queued and can take up to 10 more working days.
 | We apologise that you're still waiting for your money back on the {item} after we inspected your return. The refund is in the queue and may take up to 10 more working days.
%neu
A: The refund was issued this morning; it should reach your account within 3-5 working days.
 | It was refunded today, so allow 3-5 working days for it to show.
C: OK, I'll keep an eye out for it.
 | alright, thanks for checking
S: Customer chased a refund for their returned {item}; it was issued today and should arrive in 3-5 days. Customer is neutral.
%pos
A: The refund was stuck in a queue; I've pushed it through now and you should see it within 24 hours. I'm sorry for the wait.
 | It had stalled, sorry. I've released it manually and it should land within a day.
C: Just checked, it's already pending in my bank app. Thanks so much, that's a relief!
 | Great, thanks for chasing it, really appreciate it.
S: Refund for the returned {item} had stalled; agent pushed it through and the customer is relieved and grateful.

### parcel_in_rain order
@contents: books ; art prints ; baby clothes ; cushion covers ; knitting yarn
C: The courier left my parcel on the doorstep in the pouring rain. The box is soaked through.
 | why would your driver leave a cardboard box outside in the rain?? everything inside is wet
A: I'm really sorry. What was in the parcel?
 | Oh no, I'm sorry. What did you order?
C: {Contents}. All of them soaked.
 | {Contents}, and they're ruined.
A: I'll arrange replacements and report the driver. There's a safe-place note on your account saying "porch", which wasn't followed.
 | I'm sending replacements and flagging the driver, since your delivery note clearly says to use the porch.
%neg
C: Replacements are fine but this has happened before. I'm fed up with your couriers.
 | Please do report him. This is the second time, I'm really annoyed.
S: Courier left a parcel of {contents} out in the rain and they were ruined; replacements arranged, but the customer is fed up.
P: We're sorry your {contents} were ruined when our courier left the parcel out in the rain instead of on your porch. Replacements are being arranged, and the driver has been flagged for ignoring your delivery note.
 | We apologise that your parcel was left in the rain and everything inside got soaked. We're sending replacement {contents}, and the driver who ignored your porch instruction has been flagged.

### delivery_date_q order
@item: the sofa / sofa ; the washing machine / washing machine ; the bookcase / bookcase ; the fridge freezer / fridge freezer ; the wardrobe / wardrobe
C: Hi, when will {item} be delivered? The order page just says "processing".
 | can u tell me when my {item.1} is arriving? page says processing
~verify
A: It's scheduled for Thursday. You'll get a text the day before with a 2-hour slot.
 | The delivery is booked for Thursday; a 2-hour window will be sent by text on Wednesday.
C: Will someone have to be in, or can they leave it?
 | does someone need to be in?
A: Someone needs to be there to sign, as it's a two-person delivery.
%neu
C: OK, thanks.
 | fine, I'll work from home that day
S: Customer asked when the {item.1} would arrive; delivery is booked for Thursday and someone must be home. Neutral question.

### packaging_praise none
C: Just got my order and wanted to say the packaging was lovely. Recyclable paper and a handwritten note!
 | Whoever packed my order today deserves a raise, everything was wrapped so carefully.
A: Aw, thank you! I'll pass that on to the warehouse team.
 | That's so kind, thanks for letting us know.
%pos
C: And it arrived a day early. Brilliant service.
 | Please do. I'll definitely shop here again.
S: Customer praised careful, eco-friendly packaging and fast delivery; very satisfied.
 | Customer loved how carefully their order was packed and will shop again; very happy.

### earbuds_dead order
@item: wireless earbuds / earbuds ; noise-cancelling headphones / headphones ; fitness tracker / fitness tracker ; e-reader / e-reader
C: My {item.1} stopped charging after three weeks. The light doesn't even come on.
 | Bought the {item} last month and now it's dead, won't charge at all.
A: Sorry about that. Have you tried a different cable and plug?
 | That shouldn't happen. Could you try another cable and wall adapter?
C: Yes, tried three cables. Nothing.
 | yep, tried everything. still dead
%neg
A: It's under warranty. Send it to our repair centre and we'll assess it within 10 working days.
 | You're covered by the warranty: post it to our repair centre and they'll look at it within 10 working days.
C: So I'm without it for two weeks or more, for something that broke in a month? Not happy.
 | I paid good money for this. Sending it away for weeks is ridiculous.
S: Customer's {item.1} stopped charging after a few weeks; only a 10-day warranty repair was offered and the customer is unhappy.
P: We're sorry your {item.1} stopped charging after only a few weeks. It's covered by the warranty, so you can send it to our repair centre and they'll assess it within 10 working days.
 | We apologise that your {item.1} died so soon after you bought it. Under the warranty, our repair centre will look at it within 10 working days.
%pos
A: It's a known fault with the first batch. I'll send a brand-new replacement today; you don't need to return the old one.
 | That's a batch fault we know about. A new one ships today, and you can keep or recycle the old one.
C: Oh wow, didn't expect that. Thank you, that's great service!
 | That's brilliant, thanks! Happy customer here.
S: {Item.1} stopped charging within weeks; agent sent a new replacement straight away and the customer is delighted.

### screen_fault order
@item: laptop ; monitor ; tablet
C: My new {item} has a bright green line down the screen. Brand new, opened it this morning.
 | Unboxed the {item} today and there's a line of stuck pixels on the display.
~verify
A: I'm sorry about that. Does the line show up on the startup screen too?
 | Sorry! Is the line visible before anything loads, on the logo screen?
C: Yes, it's there from the moment I turn it on.
 | yes, right from power on
%neg
A: Then it's a hardware fault. Please return it for a repair, which takes about two weeks.
 | That points to hardware. We'd need it back for a repair, roughly two weeks.
C: A repair? It's brand new. I want a new one, not a repaired one. Really disappointed.
 | I paid for a new {item}, not one that's been repaired. I'm not happy with that at all.
S: New {item} arrived with a line across the screen; agent offered only a repair and the customer is unhappy, wanting a replacement.
P: We're sorry your brand-new {item} arrived with a faulty line across the screen. We can fix it with a repair, which takes about two weeks.
%pos
A: Then it's a hardware fault. I'll send a brand-new {item} with a courier who'll collect the faulty one at the same time.
 | That's a hardware fault, so no repair: a new {item} is coming, and the courier will take the faulty one away.
C: That's perfect, thank you! Much easier than I expected.
 | great, thanks so much, really smooth
S: New {item} had a screen fault; a brand-new swap with collection was arranged and the customer is happy.

### tv_hdmi_q none
C: Does the 55" model have HDMI 2.1? I want to plug in a games console.
 | quick question, which HDMI ports on the 55 inch TV support 120Hz?
A: Yes, HDMI ports 3 and 4 are HDMI 2.1 and support 4K at 120Hz.
C: And is game mode on by default?
 | ok and do I need to switch on game mode manually?
A: It switches on automatically when it detects a console.
%neu
C: Good to know, thanks.
 | ok got it
S: Customer asked about HDMI 2.1 and 120Hz on the 55-inch TV for a console; agent answered. Neutral product question.

### phone_repair_slow order
C: I sent my phone in for a screen repair three weeks ago. You said 5 days.
 | It's been THREE WEEKS since my phone went in for a new screen. Where is it?
~verify
A: I'm sorry. The repair is waiting for a part that was back-ordered.
 | Apologies, the replacement screen is on back order, so the repair hasn't started.
%neg
C: Nobody told me. I've been using an old phone with a cracked camera. Honestly, I'm fed up.
 | And I'm only hearing this because I chased you. Really poor communication.
A: I'll ask the repair centre to prioritise it as soon as the part arrives.
 | I'll flag it so it's first in line when the part comes in.
C: I want a date, not "as soon as". This is really poor.
 | That's not an answer. I'm very unhappy with how this has gone.
S: Phone screen repair quoted at 5 days has taken three weeks due to a missing part; customer is fed up with the delay and lack of updates.
P: We're sorry your phone repair has taken three weeks, far longer than we quoted, and that nobody told you the screen was on back order. Your repair will be put first in line as soon as the part arrives.

### printer_praise none
@name: Leo ; Nadia ; Chris ; Yusuf
C: I just want to say thanks to {name} who helped me set up my printer on the phone earlier. So patient.
 | Big thanks to {name} for helping me with the printer wifi setup earlier, I'd been stuck for two days.
A: That's great to hear! Is everything printing properly now?
 | Thanks for letting us know! Is the printer working okay now?
C: Yes, printed my boarding passes with no issues. Really appreciate it.
 | Working perfectly. You've saved me a lot of stress!
%pos
S: Customer thanked {name} for patient help setting up their printer over wifi; it works now and they're very happy.

### warranty_q none
@item: coffee machine ; vacuum cleaner ; air fryer ; hair dryer ; food processor
C: How long is the warranty on the {item}, and do I need to register it?
 | is the {item} covered for 2 years? do I have to register it somewhere
A: It's a two-year warranty, and registering online adds a third year for free.
 | Two years as standard. If you register it on our website within 30 days you get an extra year.
C: Do I need to keep the receipt?
 | and the receipt, do I need it?
A: Yes, keep the receipt or order confirmation as proof of purchase.
%neu
C: Alright, I'll register it tonight.
 | ok, will do
S: Customer asked about the {item} warranty; it's two years, plus one more if registered within 30 days. Neutral enquiry.

### speaker_wifi none
C: My smart speaker won't connect to the wifi. It keeps saying "setup failed".
 | new smart speaker, setup fails every time at the wifi step
A: Sorry about that, let's sort it. Is your router on 2.4GHz or 5GHz?
 | Let's get it working. Do you know if your wifi is 2.4GHz or 5GHz?
C: No idea, how do I check?
 | not sure, where do I see that?
A: Look at the wifi names on your phone; if there are two networks and one ends in "5G", pick the one without it.
 | Check the network list on your phone. If you see two with the same name and one ends in "5G", that's the 5GHz one.
C: Ok there are two. I used the 5G one.
 | yes, two of them. I picked the 5G one
A: That's likely the issue: the speaker only supports 2.4GHz. Hold the action button for 10 seconds to reset it, then try the other network.
 | That'll be it, the speaker can't use 5GHz. Reset it by holding the action button for 10 seconds and choose the network without "5G".
C: Reset it. Trying now.
 | ok, reset. trying again
%pos
C: It connected!! Playing music now.
 | Worked! It's on the wifi now.
A: Great! Would you like help linking it to your music app?
 | Brilliant. Do you need a hand connecting your music account?
C: No I'm good, it's already linked. Thanks for being so patient, you were great!
 | All sorted, thanks a lot, really helpful.
S: Smart speaker failed to connect to wifi because it was on the 5GHz network; after a reset on 2.4GHz it works and the customer is happy.
%neg
C: Still says setup failed.
 | Nope, same error: setup failed.
A: Could you try moving the speaker closer to the router?
 | Can you put the speaker right next to the router and try once more?
C: It's literally next to the router. I've been at this for an hour.
 | It's already beside the router. I've spent an hour on this.
A: In that case the unit may be faulty. You can return it to the store for an exchange.
 | Then the speaker itself is probably faulty. The store can swap it for you.
C: So I have to drive back to the shop. Great. This was a waste of my evening.
 | Fantastic. An hour of my life for nothing.
S: Smart speaker won't join wifi even after a reset on the right network; agent suggested a store exchange and the customer is annoyed.
P: We're sorry your smart speaker still won't connect after a reset and an hour of trying. It looks like the unit is faulty, so the store can swap it for you.

### double_charge order
C: I've been charged twice for the same order.
 | There are two identical payments on my card for one order.
 | why do I see 2 charges for one purchase?
~verify!
A: I can see that, sorry. One payment failed to confirm so the system took a second one.
 | You're right, the payment went through twice because of a timeout at checkout.
%neg
A: The duplicate will drop off automatically in 5-7 working days.
 | The second payment will be released by your bank within 5-7 working days.
C: 5-7 days? That money was for my rent. This is really stressful, can't you do it faster?
 | That's not good enough. I'm already overdrawn because of this.
A: I'm afraid that's the bank's processing time.
 | Unfortunately that timing is down to the bank.
C: Unbelievable. I'll be calling my bank then.
 | Brilliant. So I'm the one paying for your glitch.
S: Customer was charged twice for one order; the duplicate takes 5-7 working days to clear and the customer is stressed and angry.
P: We're sorry you were charged twice for one order and left short of money you needed. The duplicate payment will be released in 5-7 working days.
 | We apologise for taking your payment twice because of an error at our checkout. The second payment will clear in 5-7 working days, which is down to your bank's processing time.
%neu
A: I've cancelled the duplicate. Your bank will release it within 3-5 working days.
 | The extra charge is cancelled; it'll disappear from your card in 3-5 working days.
C: OK, thanks.
 | fine. thanks
S: Duplicate charge for one order was cancelled; the funds return in 3-5 days. Customer accepted it.
%pos
A: I've refunded the extra payment immediately, and I've added free delivery to your next order for the hassle.
 | The duplicate is refunded already, and there's a free-delivery code on your account for the trouble.
C: Oh that's kind, thanks for sorting it so fast!
 | Thank you, really appreciate the quick fix
S: Customer was charged twice; the extra payment was refunded immediately with free delivery added, and the customer is pleased.

### trial_charge account
@service: meal planner app / meal planner ; photo storage plan / photo storage ; language app / language app ; audiobook service / audiobooks
C: I was charged for a year of the {service} but I cancelled the free trial before it ended.
 | Hi, I got a yearly charge for {service.1} even though I cancelled during the trial.
~verify
A: I see a cancellation on the 14th, but the trial ended on the 13th, so the renewal went through.
 | The cancellation came in a day after the trial ended, which is why you were billed.
%neg
C: The trial was 14 days and I cancelled on day 14. That's a trick and you know it. I want a refund.
 | I never used it once. Charging me a whole year for one day is outrageous.
A: I can offer a 50% refund as a goodwill gesture.
 | As a goodwill gesture I can refund half.
C: Half? I didn't use it at all. This is a scam.
 | No. I want all of it back. Really annoyed.
S: Customer was charged a year of {service.1} after cancelling the trial on its last day; only a 50% refund was offered and they're angry.
P: We're sorry you were charged for a whole year of {service.1} after you cancelled your free trial. The half refund we offered is still available to you.
%neu
A: As it was so close, I've cancelled the subscription and refunded the full charge.
 | Since it was only a day, I've cancelled it and refunded you in full.
C: OK, thank you.
 | ok good
S: Customer was billed for {service.1} after cancelling the trial a day late; agent refunded in full and the customer accepted calmly.

### invoice_company account
C: Could you reissue my last invoice with our company name on it? We need it for expenses.
 | hi, can I get an invoice with my company's VAT number on it?
A: Sure. What company name and VAT number should appear?
C: Hollow Oak Studio Ltd, GB 318 4471 02.
 | Pinegrove Analytics, VAT number GB 209 7733 15.
 | Fern & Finch Design, VAT GB 774 1023 58.
A: Done, the updated invoice is in your email now.
 | All set, I've emailed the corrected invoice.
%neu
C: Got it, thanks.
 | received, thank you
S: Customer asked for an invoice reissued with their company name and VAT number; agent sent it. Neutral admin request.

### price_rise account
@service: streaming plan / streaming plan ; cloud backup plan / backup plan ; recipe box / recipe box
C: My {service} went up from 9.99 to 13.99 this month and I didn't get any notice.
 | Why has the monthly payment for my {service.1} jumped by four pounds without a single email?
A: The new prices were announced by email on the 1st of last month.
 | We emailed all customers about the new prices at the start of last month.
C: I never got that email. Checked spam too.
A: I'm sorry it didn't reach you. The new price applies to all plans.
%neg
C: So I'm stuck paying more for the same thing. Cancel it, please.
 | A big rise with no warning I ever saw. Really not happy about it.
S: Customer's {service.1} price rose without a notice they received; agent confirmed it applies to all plans and the customer is unhappy.
P: We're sorry your {service.1} price went up without our notice email ever reaching you.

%pos
A: As the notice never reached you, I've kept your old price for the next 12 months.
C: Oh, that's really fair of you. Thank you, I'll stay then!
S: Customer's {service.1} price rose without notice; agent kept the old price for 12 months and the customer is pleased.

### locked_out_2fa account
C: I'm locked out of my account. The 2-factor code never arrives by text.
 | can't log in, the verification code isn't coming through to my phone
~verify!
A: Thanks. Is the phone number on the account still the one ending in {phone4}?
C: Yes, that's my number.
 | yep that's me
A: I've resent the code. Can you check now?
 | I've triggered a new code just now. Has it come through?
C: Nothing.
 | still nothing
A: Is your phone blocking short codes? Some phones filter them as spam.
 | Could your phone be filtering short-code texts? Some do that automatically.
C: Checked the spam filter. Nothing there either.
 | Looked in the blocked messages. Not there.
%pos
A: OK, I've switched your codes to email for now. You should get one at your email address.
 | Right, I've changed your verification to email for now. A code should land in your inbox.
C: Got it! I'm in.
 | It came! Logged in.
A: Great. You can switch back to text codes in settings once you're sure they arrive.
 | Good. Once texts work again you can switch back in Security settings.
C: Thanks so much, you were really patient. Much appreciated!
 | brilliant, thank you, that was driving me mad
S: Customer was locked out because 2FA texts weren't arriving; agent switched codes to email and the customer is relieved and grateful.
%neg
A: I'll need to send a recovery form to verify your identity. It's reviewed within 48 hours.
 | The next step is an identity recovery form, and the security team take up to 48 hours to review it.
C: 48 hours?? I need my invoices for a client meeting tomorrow.
 | Two days? I need documents from that account for a meeting tomorrow morning.
A: I'm sorry, that's the quickest route for security reasons.
 | I'm sorry, I can't bypass it for security reasons.
C: So I'm just stuck. Great. I've been trying for over an hour.
 | That's useless to me. Really frustrated.
S: Customer is locked out because 2FA codes never arrive; recovery takes 48 hours and they're angry as they need access tomorrow.
P: We're sorry you're locked out of your account because the verification codes never reached your phone. The recovery form is the next step, and it's reviewed in up to 48 hours.

### reset_email account
C: The password reset email never arrives.
 | I requested a password reset three times and got nothing
~verify!
A: I can see three reset emails were sent. Could you check your spam or promotions folder?
 | Our system shows the emails went out. Could they be in spam or promotions?
%neu
C: Oh, found them in promotions. Thanks.
 | there it is, in spam. ok thanks
S: Customer wasn't seeing password reset emails; they were in the spam or promotions folder. Neutral, resolved.
%neg
C: Checked everything. Nothing. This is the third day I can't get into my account.
A: I'll send one from our support address instead.
C: Still nothing. Honestly, this is infuriating.
 | Nope. Three days of this. I'm losing patience.
S: Customer still can't receive password reset emails after three days and several attempts; very frustrated.
P: We're sorry our password reset emails still aren't reaching you, even the one sent from our support address.

### hacked_account account
C: Someone logged into my account from another country and changed my delivery address!
 | I got an alert about a login from abroad and now there's an order on my account I didn't place.
~verify!
A: I've locked the account and cancelled the pending order. Don't worry, nothing has shipped.
 | The account is locked now and that order is cancelled before dispatch.
%pos
A: I've also reset your password and removed the unknown address. You'll get an email to set a new password.
C: Thank you so much, I was panicking. That was fast!
 | phew, thank you. really appreciate how quickly you dealt with it
S: Customer's account was accessed from abroad and an order placed; agent locked it, cancelled the order and reset access. Customer relieved and grateful.
%neg
A: To unlock the account you'll need to send ID; our security team replies within 3 working days.
C: So someone else gets into my account and I'm the one locked out for 3 days? That's absurd.
 | Three days without access because of your security hole. I'm really angry.
S: Customer's account was hacked from abroad; the order was cancelled but they're locked out for up to 3 days pending ID checks and are angry.
P: We're sorry someone got into your account from abroad and that you're now locked out while your ID is checked. The pending order was cancelled, and our security team will reply within 3 working days of receiving your ID.

### change_email_q account
C: How do I change the email address on my account?
 | hi, I need to update my email, the old one doesn't exist anymore
A: Go to Profile > Login details > Edit email. We'll send a confirmation link to the new address.
 | You can change it under Profile, then "Login details". A link goes to the new email to confirm.
C: What if I can't get into the old email?
A: That's fine, you only need to confirm the new one.
%neu
C: Ok, done. Thanks.
 | ok cool
S: Customer asked how to change the email on their account; agent explained the steps. Neutral question.

### cancel_subscription account
C: How do I cancel my subscription? I can't find the button anywhere.
 | I've been trying to cancel for 20 minutes and the app keeps sending me in circles.
~verify
A: I can do it for you from here. Before I do, can I offer you three months at half price?
 | I can cancel it for you. Would three months at half price change your mind?
%neg
C: No. I just want to cancel. Why is it hidden so deep?
 | No thanks. Hiding the cancel button is a really cheap trick.
A: Done, your subscription ends at the end of this billing period.
C: Finally. Won't be coming back.
 | Whatever. Just make sure I'm not charged again.
S: Customer struggled to find how to cancel and was pushed a discount; agent cancelled the subscription and the customer is annoyed.
P: We're sorry it was so hard to find how to cancel and that you were offered a discount when you just wanted to leave. Your subscription is cancelled and ends at the end of this billing period.
%neu
C: No thanks, just cancel it please.
A: Done. Your access continues until the end of the billing period.
C: ok thanks
 | Fine.
S: Customer asked to cancel their subscription and declined a discount offer; the agent cancelled it. Neutral.

### meal_kit_skip account
C: Can I skip next week's meal kit box? We're away.
 | hi, how do I pause my recipe box for one week?
A: Yes, you can skip any week up to Wednesday midnight in "Upcoming deliveries". I've skipped next week for you now.
 | Of course, I've skipped next week. You can also do it yourself in "Upcoming deliveries" until Wednesday night.
%neu
C: Thanks.
 | ok great, thanks
S: Customer asked to skip next week's meal-kit delivery; agent skipped it. Neutral request.
%pos
C: Amazing, thank you! Loving the recipes by the way, the kids even eat the veg now.
 | Thanks! And honestly, the boxes have been brilliant lately.
S: Customer asked to skip a week of their meal kit and praised the recipes; happy customer.

### family_plan_praise none
C: Just set up the family plan and everyone's got their own playlists now. So easy!
 | Switched us all to the family plan tonight, took two minutes. Love it.
A: That's great to hear! Enjoy.
 | Brilliant, glad it went smoothly!
C: Honestly the best money I spend each month. Thanks!
 | The kids are thrilled. Thanks for making it simple!
%pos
S: Customer praised how easy the music family plan was to set up; very satisfied.

### buffering none
C: Every show buffers every few minutes in the evenings. My internet is fine, everything else streams.
 | streaming keeps freezing at night, only on your app
A: Sorry about that. Which device are you watching on?
C: The TV app, on a smart TV.
 | the app on my smart TV
A: Could you try clearing the app cache in the TV settings and restarting the TV?
%pos
C: Tried it, and it's smooth now. Watched a whole episode without a pause! Thanks!
 | That did it, no more freezing. Thank you, great tip!
S: Customer's streaming app kept buffering on their smart TV; clearing the cache fixed it and the customer is happy.
%neg
C: Done that twice already. Still buffering. I'm paying for 4K and getting this.
A: We're aware of a problem with some TV models and a fix is planned.
C: Planned when? I'm thinking of cancelling.
 | So I keep paying while it doesn't work. Not acceptable.
S: Streaming app keeps buffering on the customer's smart TV despite a cache reset; a fix is only "planned" and the customer is considering cancelling.
P: We're sorry your shows keep buffering on your smart TV even after clearing the app cache, when you're paying for 4K. We know a fix that is only planned isn't good enough.

### broadband_down line
C: My internet has been down since this morning. The router light is flashing red.
 | no internet all day, router flashing red
~verify!
A: Thanks. I can't see an outage in your area. Could you restart the router by switching it off for 30 seconds?
 | Thanks. There's no known outage near you. Please power the router off, wait 30 seconds and turn it back on.
C: Done. Still red.
 | did that, still flashing red
A: Can you check the cable from the wall socket is pushed in firmly?
 | Could you check the grey cable between the router and the wall socket is clicked in?
C: Yes, it's in.
 | yep, it's in properly
A: I'm running a line test now, it takes about two minutes.
 | I'll run a test on the line from here; give it two minutes.
C: ok
 | sure
A: The test shows a fault on the line outside your home.
 | The results show a fault outside the property, on our side.
%neg
A: An engineer can visit on Friday between 8 and 1.
 | The first engineer appointment is Friday morning, 8 till 1.
C: Friday?? It's Monday. I work from home. I can't go four days without internet.
 | That's four days away! I work from home, I can't be offline all week.
A: I'm sorry, that's the first available slot.
 | I'm sorry, there's nothing earlier at the moment.
C: This is unacceptable. I'm paying for a service I don't get.
 | Honestly, this is a joke. Really angry right now.
S: Customer's broadband is down due to a line fault; the earliest engineer visit is Friday and the customer, who works from home, is angry.
P: We're sorry your broadband is down because of a fault on the line outside your home. The earliest engineer visit we have is Friday between 8 and 1.
%pos
A: An engineer is in your area and can come this afternoon between 2 and 4.
 | Good news: an engineer nearby has a gap this afternoon, 2 to 4.
C: Oh thank goodness. Yes please!
 | Yes please, book it!
C: Engineer's been and it's all working. Thanks for getting someone out so fast, brilliant.
S: Customer's internet was down due to a line fault; an engineer came the same afternoon and the customer is delighted.

### roaming_bill line
@country: Switzerland ; Turkey ; Morocco ; Serbia
C: My phone bill is 86 pounds this month. It's normally 20.
 | why is my bill so high?? it's four times the usual
~verify!
A: I can see roaming data charges from your trip to {country} last week. That country isn't in your plan's roaming zone.
C: Nobody told me that. I didn't get any warning text.
A: I'm sorry, the warning text should have been sent when you arrived.
%neg
A: I can reduce the charges by 20% as a goodwill gesture.
C: 20% off a bill I didn't know I was running up? Not good enough.
 | That's still way too much. I'm really unhappy with this.
S: Customer's bill jumped because of roaming in {country} with no warning text; a 20% reduction didn't satisfy them.
P: We're sorry your bill was so much higher than usual because of roaming charges in {country}, and that you never got a warning text. We can reduce the charges by 20% as a goodwill gesture.
%neu
A: As the warning text failed, I've removed the roaming charges. Your bill will be reissued.
C: ok thanks. I'll add a roaming pass next time.
S: Bill was high due to roaming in {country} without a warning text; the charges were removed. Customer accepted it calmly.

### plan_upgrade_q line
C: Can I move to the unlimited data plan without starting a new contract?
 | is it possible to upgrade to unlimited data mid contract?
A: Yes, you can upgrade at any time and your contract end date stays the same. The new price applies from your next bill.
C: And can I go back down later?
 | could I downgrade again later?
A: Downgrades are only possible at the end of the contract.
%neu
C: Right, I'll think about it.
 | ok, I'll stick with my current plan for now
S: Customer asked about upgrading to unlimited data mid-contract; agent explained upgrades are allowed but downgrades aren't. Neutral.

### sim_port line
C: My new SIM still isn't working. It's been 3 days since I switched.
 | 3 days and my new sim still says no service
~verify!
A: I'm sorry. The number transfer from your old provider is stuck.
 | Sorry about this. Your number move from the old network hasn't completed.
%neg
A: It should complete within 48 hours.
C: You said that 2 days ago. I've missed calls from work all week. Really frustrating.
 | That's exactly what I was told on Monday. I'm fed up.
S: Customer's new SIM has had no service for 3 days because the number transfer is stuck; another 48-hour wait, customer frustrated.
P: We're sorry your new SIM still has no service because the transfer of your number is stuck. It should complete within 48 hours.
%pos
A: I've pushed the transfer through manually. Restart your phone in 5 minutes.
C: It works! Full signal. Thank you, finally!
 | back online, you're a star, thanks
S: New SIM had no service for 3 days due to a stuck number transfer; agent fixed it manually and the customer is happy.

### engineer_praise none
@tech: Marcus ; Aisha ; Tom ; Wen
C: The engineer who came this morning, {tech}, was excellent. Fixed the wiring, explained everything and cleaned up after.
 | Please pass on my thanks to {tech}, your engineer today. Quick, friendly and left the place spotless.
A: Thanks so much for the feedback! I'll make sure it reaches {tech}.
C: Please do. Best service I've had from any provider.
 | Will do a review too. Really impressed.
%pos
S: Customer praised engineer {tech} for fixing their wiring, explaining it and tidying up; very satisfied.

### flight_cancelled booking
@city: Lisbon ; Edinburgh ; Dublin ; Nice
@hub: Amsterdam ; Paris ; Frankfurt
C: My flight to {city} tomorrow morning has been cancelled. I need to be there for a wedding.
 | just got a text saying my flight to {city} is cancelled?? I have a wedding to get to
~verify!
A: I'm sorry. It was cancelled because of a crew shortage. Let me look at alternatives.
 | I'm sorry, the flight was cancelled due to crew availability. I'll look at other options.
C: Please, it's really important.
 | Please do, I can't miss it.
A: The next direct flight with seats is the day after tomorrow.
 | The earliest direct flight with free seats leaves the day after tomorrow.
C: That's too late, the wedding is tomorrow afternoon.
 | That's no good, the ceremony is tomorrow at 3.
A: Let me check connecting flights.
 | Give me a moment to look at connections.
%pos
A: There's a connection via {hub} tomorrow at 6am that lands at 12:40. I can put you on it at no cost.
C: Yes, book it please!
A: Done. Your new boarding pass is in your email.
 | All booked. The new boarding pass has been emailed to you.
C: Thank you so much, you've saved the day. I really appreciate the effort.
 | Amazing, thank you! I'll make it after all.
S: Customer's flight to {city} was cancelled before a wedding; agent rebooked via {hub} to arrive in time and the customer is very grateful.
%neg
A: The connections are all full too, I'm afraid. I can refund the ticket or rebook you for the day after tomorrow.
C: So I'm missing my best friend's wedding. Thanks for nothing.
 | Neither of those helps me. I'm devastated and really angry.
S: Customer's flight to {city} was cancelled and nothing arrives before the wedding; only a refund or a later flight offered, customer is angry.
P: We're deeply sorry your flight to {city} was cancelled and there's no way to get you there in time for the wedding. We can refund your ticket or rebook you for the day after tomorrow, whichever you prefer.

### hotel_no_booking booking
C: I'm at the front desk with my family and they say they have no booking under my name. I booked through you.
 | hotel can't find my reservation!! I'm standing at reception with my kids
~verify!
A: I can see the booking. It looks like the hotel didn't receive it because of a system error. I'm calling them now.
%pos
A: The hotel has a room for you now, and they've upgraded you to a family suite because of the mix-up.
C: Wow, thank you! The kids are thrilled with the suite. Great save.
 | That's amazing, thank you so much for being so quick.
S: Hotel had no record of the customer's booking; agent called and secured an upgraded room. Customer is delighted.
%neg
A: The hotel is fully booked. I can find you another hotel nearby.
C: It's 11pm and we've been travelling all day. Now we have to move again. Terrible.
A: There's a hotel 2 km away with a room; I'll cover the taxi.
C: Fine, but this is the last time I book through you.
S: Customer's hotel booking was lost by a system error; the family had to move to another hotel late at night and is very unhappy.
P: We're sorry the hotel never received your booking and your family had to move at 11pm after a day of travelling. There's a room for you at a hotel 2 km away, and we'll cover the taxi there.

### train_ticket_q booking
C: If I can't use my train ticket on Saturday, can I get a refund?
 | is my advance train ticket refundable?
A: Advance tickets aren't refundable, but you can change the time for a 10 fee plus any fare difference.
C: Can I do the change online?
A: Yes, in "My bookings", up until the departure time.
%neu
C: OK, I'll see if my plans change.
 | ok understood
S: Customer asked whether their advance train ticket can be refunded; agent said no, but it can be changed online for a fee. Neutral.

### bag_missing booking
@flight: LX 418 ; BA 2713 ; KL 1006 ; AF 1451
C: My suitcase didn't arrive on flight {flight}. The tracker says it's still at the departure airport.
 | bag didn't come off the belt, flight {flight}. airport desk just gave me a form
~verify
A: I'm sorry. One moment while I trace it.
%neg
A: It was left behind at the transfer and is booked on tomorrow's flight.
C: Tomorrow? I have a work presentation in the morning and my suit is in that bag.
A: You can buy essentials and claim them back with receipts.
C: That's not the point. I'll be presenting in jeans. Really not happy.
S: Customer's suitcase missed flight {flight} and arrives tomorrow, after their presentation; they're unhappy despite essentials being claimable.
P: We're sorry your suitcase was left behind at the transfer and won't reach you before your presentation. It's booked on tomorrow's flight, and you can buy essentials and claim them back with your receipts.
%pos
A: Good news: it's on the evening flight and our courier will bring it to your hotel by 11pm tonight.
C: Really? Oh that's a huge relief. Thank you so much!
S: Suitcase missed flight {flight}; it's on the evening flight and will be couriered to the hotel tonight. Customer relieved and grateful.

### crew_praise booking
@city: Rome ; Copenhagen ; Malaga ; Prague
C: Flew with you yesterday on the evening flight to {city} and the cabin crew were wonderful with my nervous daughter.
A: That's so kind of you to share! Which flight was it so I can pass it on?
C: The 18:05 one. They let her see the cockpit after landing. She hasn't stopped talking about it!
 | The one that left at 18:05. One of them sat with her during the bumpy bit. Can't thank them enough.
%pos
S: Customer praised cabin crew on the evening flight to {city} for looking after their nervous daughter; very happy.

### seat_upgrade_q booking
C: How much is it to upgrade to premium economy on my flight next month?
~verify
A: It depends on availability; right now it's 180 each way. You can do it in Manage Booking.
C: Does that include extra baggage?
A: Yes, two checked bags of 23 kg.
%neu
C: Ok, thanks, I'll think about it.
 | ok noted
S: Customer asked the cost of upgrading to premium economy; agent gave the price and baggage allowance. Neutral enquiry.

### rude_cashier none
@store: the Westfield store ; your city-centre shop ; the Northgate branch
C: I was in {store} today and the cashier was incredibly rude to my elderly father.
 | Your staff member at {store} shouted at my dad because he was slow with his card.
A: I'm really sorry to hear that. Can you tell me roughly what time this was?
C: Around 3pm. He's 82 and he was shaking afterwards.
A: I'll report this to the store manager today, and they'll review it with the staff member.
%neg
C: I hope so. We won't be shopping there again.
 | He's been a loyal customer for years. I'm disgusted.
S: Customer reports a cashier at {store} was rude to their elderly father; reported to the manager, but the customer is upset.
P: We're sorry your father was treated so badly by our cashier at {store}. We'll report it to the store manager today, and they'll review it with the staff member.

### rude_phone_agent none
C: I called your helpline yesterday and the agent hung up on me mid-sentence.
 | The person I spoke to on the phone yesterday was sarcastic and then just hung up.
A: I'm sorry. That's not how we want any customer to be treated. Do you remember the time of the call?
C: About 4:15. I was only asking about my delivery.
A: Thanks, I'll raise it with the team leader; calls are recorded, so they can review it.
%neg
C: I appreciate that, but it left a really bad impression.
 | Fine. But I felt humiliated, honestly.
S: Customer complains a phone agent was rude and hung up on them; it's being reviewed, but the customer still feels upset.
P: We're sorry our agent was rude and hung up on you when you called about your delivery. We'll raise it with the team leader, who can review the recorded call.

### sofa_mixed order
C: The sofa finally arrived. It's gorgeous and really comfy.
 | Sofa's here at last. The fabric and colour are perfect.
A: So glad you like it!
%neg
C: But it took seven weeks instead of three, and nobody ever answered my emails. I wouldn't order from you again.
 | That said, seven weeks of chasing and three missed delivery slots. The sofa's great but the service was awful.
S: Mixed: customer loves the sofa but it arrived weeks late with poor communication; overall unhappy with the service.
P: We're sorry your sofa took seven weeks to arrive and that the service along the way let you down so badly.
%pos
C: It took a bit longer than promised, but the delivery team were lovely and carried it up three flights. All worth it!
 | A week later than planned, but honestly it was worth the wait. Really happy with it.
S: Mixed but positive: the sofa arrived a bit late, but the customer loves it and is happy overall.

### dinner_mixed none
C: Dinner last night was a bit of a mixed bag.
A: Oh, sorry to hear that. What happened?
C: The food was honestly superb, the lamb especially. But we waited 40 minutes between starters and mains.
A: I'm sorry about the wait, we were short-staffed. I'll share your comments with the manager.
%pos
C: No worries, it happens. The food made up for it, we'll definitely be back.
S: Mixed review: slow service but superb food; the customer is happy overall and will return.
%neg
C: Please do. For the price, I expect better. We probably won't be back.
S: Mixed review: the food was superb but a 40-minute wait between courses left the customer dissatisfied; they may not return.
P: We're sorry you waited 40 minutes between your starters and mains. Your comments will be shared with the manager.

### hold_sarcasm line
C: Wow, 55 minutes on hold, what a treat. The music was lovely the first 40 times.
 | Thanks for the hour of hold music. Really the highlight of my day.
A: Apologies for the long queue. What can I do for you?
C: I'd like to know why my bill has a "service fee" I never agreed to.
A: That's a paper billing fee. I can switch you to online bills and remove it from next month.
%neg
C: Brilliant. So I waited an hour to be told you charge for paper. Fantastic.
 | Great, an hour well spent. Really impressed. Not.
S: Sarcastic customer waited nearly an hour on hold to query a paper billing fee; switched to online bills, still annoyed.
P: We're sorry you waited nearly an hour on hold just to ask about a fee. We can switch you to online bills so the paper billing fee is removed from next month.

### router_sarcasm line
C: The new router is working perfectly. As a paperweight.
 | Love the new router. It's great at blinking orange and doing nothing else.
A: Sorry about that! Is the light orange or red?
C: Orange. Has been all day.
A: Orange means it's not getting a signal from the line. I'll run a remote reset now.
%neg
C: Still orange. Colour me shocked.
A: I'll book an engineer for Thursday.
C: Can't wait. Really.
S: Sarcastic customer's new router won't connect (orange light); a remote reset failed and an engineer is booked for Thursday. Customer is annoyed.
P: We're sorry your new router is still stuck on an orange light after the remote reset. An engineer is booked for Thursday.
%pos
C: Oh, it's green now! Internet's back. Thank you, and sorry for the sass earlier.
S: Customer's new router wasn't connecting (orange light); a remote reset fixed it and the customer is now happy.

### bakery_tease none
C: I have a complaint: your cinnamon buns have ruined every other bakery for me.
 | Bad news: since trying your rye loaf I can't eat supermarket bread anymore. Thanks a lot 😂
A: Haha, we're very sorry (not sorry)! Thank you!
C: Honestly the best in town. See you Saturday!
 | Keep doing what you're doing. I'll be in on Saturday.
%pos
S: Playful praise: the customer jokes the bakery has spoiled other bakeries for them; very happy and will be back.

### cracked_eggs order
C: Hello, I don't want to make a fuss, but this is the third order in a row where the eggs have arrived cracked.
 | Hi there. Sorry to bother you, but once again several eggs in my grocery delivery were broken.
A: I'm sorry about that. I'll refund the eggs.
 | Apologies, I've put through a refund for the eggs.
C: Thank you, that's kind. But I'd really rather the problem was fixed. It's disappointing to unpack the shopping and find a mess every week.
 | I do appreciate the refund. I'm just quite disappointed that it keeps happening.
%neg
S: Polite but dissatisfied customer: eggs arrived cracked for the third grocery order in a row; refunded, but they want the packing fixed.
P: We're sorry your eggs have arrived cracked yet again. They've been refunded, and we understand that what you really want is for it to stop happening.

### substitution order
@sub: oat milk / full-fat cow's milk / lactose intolerant ; gluten-free bread / regular white bread / coeliac ; vegan cheese / cheddar / vegan
C: I ordered {sub.0} and got {sub.1} as a "substitute". I'm {sub.2}.
 | Why was my {sub.0} swapped for {sub.1}? I'm {sub.2}, that's no use to me at all.
A: Sorry about that. I'll refund the item.
 | Apologies, I've refunded it.
%neg
C: It's not just the refund. I planned meals around it. Please fix your substitution rules.
A: I'll pass that on. You can also turn off substitutions for specific items in your account.
C: I shouldn't have to. Very disappointing.
S: Customer who is {sub.2} received {sub.1} instead of {sub.0}; the item was refunded but they're unhappy with the substitution.
P: We're sorry your {sub.0} was swapped for {sub.1}, which is no use to you as you're {sub.2}. It's been refunded, your feedback on substitutions is being passed on, and you can turn off substitutions for specific items in your account.
%neu
C: OK. How do I stop substitutions for that item?
A: In your account, go to "Substitution preferences" and untick it.
C: Done, thanks.
S: Customer received {sub.1} instead of {sub.0}; the item was refunded and they turned off substitutions for it. Neutral.

### driver_stairs_praise none
@driver: Raj ; Kofi ; Daniel ; Ana
C: Your delivery driver carried all 8 bags up to my 4th floor flat without me asking. I'm on crutches at the moment.
 | Just wanted to say your driver today brought my shopping all the way up four flights because I'm on crutches.
A: That's lovely to hear. Do you know their name?
C: {driver}, I think. Please thank them from me, it really made my day.
%pos
S: Customer on crutches praised driver {driver} for carrying their grocery bags up to the flat; very grateful.

### taxi_long_route none
C: My taxi driver took a really long route and the fare was double what the app estimated.
 | the ride was supposed to be about 15 and I was charged 31. driver went the long way round
A: I'm sorry. Looking at the route map, the driver did take a longer route than needed.
%pos
A: The fare difference is back on your card, and the driver has been flagged.
C: Great, thank you, that was really quick. Appreciate it!
S: Customer was overcharged after a taxi driver took a long route; the difference was refunded promptly and the customer is pleased.
%neg
A: I can give you a credit for your next ride.
C: I don't want a credit, I want my money back. Not using your app again.
S: Customer was overcharged by a taxi taking a long route; offered only ride credit, they want a refund and are angry.
P: We're sorry your driver took a longer route than needed and you were charged far more than the estimate. The credit for your next ride that we offered is still yours.

### holiday_hours_q none
C: Are you open on the bank holiday Monday?
 | what are your hours on Easter Monday?
A: Yes, 10am to 4pm. The café counter closes at 3.
C: ok thanks
 | Right, cheers.
%neu
S: Customer asked about bank holiday opening hours; agent answered 10am to 4pm. Neutral.

### gift_card_q none
C: Can gift cards be used online or only in shops?
A: Both. Online, enter the 16-digit number at checkout.
C: Do they expire?
A: They're valid for 24 months from purchase.
C: Got it, thanks.
 | ok
%neu
S: Customer asked where gift cards can be used and whether they expire; usable online and in shops for 24 months. Neutral.

### loyalty_points account
C: How many loyalty points do I have?
 | can you check my points balance?
~verify
A: You have 2,450 points, worth 24.50 off your next order.
%neu
C: Ok, good to know.
S: Customer asked for their loyalty points balance: 2,450 points. Neutral enquiry.
%pos
C: Oh nice, didn't know I had that many! Treating myself this weekend, thanks!
S: Customer checked their loyalty balance and was pleased to find 2,450 points to spend.

### lost_order_transfer order
@depot: Leeds ; Daventry ; Bristol
C: My order from two weeks ago never arrived and the tracking hasn't updated in 10 days.
 | ordered 2 weeks ago, tracking stuck for 10 days, nothing has arrived
~verify!
A: Thanks. It left our warehouse on the 2nd. I'm passing you to our courier team.
 | Thanks. Our warehouse dispatched it on the 2nd, so I'll transfer you to the courier team.
A2: Hi, I'm from the courier team. The parcel was scanned at our {depot} depot and then nothing.
 | Hello, courier team here. The last scan was at our {depot} depot, nothing since.
C: So where is it?
 | so where is it now?
A2: It looks like it's been lost at the depot. I'm opening a lost-parcel claim.
 | I'm afraid it seems to have gone missing at the depot, so I'll open a lost-parcel claim.
C: How long does that take?
 | and how long will that take?
A2: Usually 3-5 working days, then we can reship or refund.
 | Normally 3-5 working days; after that we can send a new one or refund.
%neg
C: Another week. It was a birthday present and the birthday was yesterday. Really disappointing.
 | So three weeks in total. I'm really disappointed, honestly.
S: Customer's order was lost at the {depot} courier depot after two weeks; a claim takes 3-5 more days and the customer is disappointed.
P: We're sorry your order was lost at our {depot} depot after such a long wait. The lost-parcel claim usually takes 3-5 working days, and then we can send a new one or refund you.
%pos
A2: Actually, since it's been two weeks, I can skip the claim and reship it today with next-day delivery.
C: Oh that's fantastic, thank you! You've been so helpful.
S: Order stuck at the {depot} courier depot for two weeks; the courier team reshipped it next-day without a claim and the customer is delighted.

### billing_long account
C: I've got three charges from you this month and I only have one plan.
 | there are 3 payments to you on my statement, I only have one subscription
~verify!
A: Thanks. I can see your main plan and two add-on charges for "extra storage".
 | Thanks. Besides your plan there are two charges for an "extra storage" add-on.
C: I never added extra storage.
 | I didn't sign up for any storage add-on
A: The log shows it was added from a tablet on the 3rd.
 | Our records say it was switched on from a tablet on the 3rd.
C: We don't even own a tablet.
 | Nobody in our house has a tablet.
A: Understood. I'm removing both add-ons now.
 | Okay. I'll remove the add-on straight away.
C: ok. and the money?
 | Fine. What about the money I've paid?
%pos
A: I've refunded both add-on charges in full and secured the account; please change your password as a precaution.
C: Changed it. Thank you, that was sorted much quicker than I feared. Really grateful!
S: Customer was billed for storage add-ons they never added; agent removed and refunded them and the customer is grateful.
%neg
A: I can refund this month's add-on charge, but the earlier one is outside our 30-day refund window.
C: I didn't add it, so why should I pay for it at all? This is really annoying.
 | That's not fair at all. I'm disputing it with my bank.
S: Customer was charged for storage add-ons they never added; only this month's charge will be refunded and the customer is annoyed.
P: We're sorry you were charged for extra storage add-ons you never added. The add-ons have been removed, and this month's add-on charge can be refunded.
"""
EN_SCENARIOS += r"""
### allergen_q none
@dish: katsu curry ; teriyaki salmon ; veggie gyoza ; chicken satay skewers / satay skewers
C: Does the {dish} contain sesame? My partner is allergic.
 | quick one, is there sesame in the {dish}?
 | Hi, could you tell me if the {dish} has any sesame in it?
A: It does, I'm afraid: the sauce has sesame oil. The allergen sheet is linked under each dish.
 | Yes, there's sesame oil in the sauce. Every dish's allergens are listed on its page.
%neu
C: OK, we'll pick something else then.
 | right, I'll avoid that one
 | Thanks, good to know before ordering.
S: Customer asked whether there is sesame in the {dish}, for an allergic partner; there is. Neutral enquiry.

### add_to_order_q order
@extra: a drink ; a side of rice ; an extra naan ; a dessert
C: Can I add {extra} to an order I've already placed?
 | is it too late to add {extra} to my order?
~verify
A: Once the restaurant has accepted it we can't change it, sorry. You could place a small second order; delivery would be free as it's the same address.
 | It's already with the kitchen, so it can't be edited, but a second order to the same address would go without a delivery fee.
%neu
C: No problem, I'll do that.
 | ok, fair enough
 | Alright, not a big deal.
S: Customer asked to add {extra} to a placed order; it can't be edited, but a second order ships free. Neutral.

### student_discount_q none
C: Do you have a student discount?
 | hi, any discount for students?
A: Yes, 10% once you verify a university email address in your account settings.
 | We do: verify your student email under Settings and you'll get 10% off.
C: Does it work on sale items too?
 | and on items already on sale?
A: It doesn't stack with sale prices, only full-price items.
%neu
C: Ok, got it.
 | fair enough, thanks
S: Customer asked about a student discount: 10% on full-price items after verifying a student email. Neutral.
%pos
C: Nice, just verified it and it's already showing. Thanks, that's great!
S: Customer set up the 10% student discount straight away and is pleased.

### track_parcel_q order
C: How do I track my parcel? I deleted the confirmation email.
 | i lost the email with the tracking link, how do i track my order?
A: No problem. Log in, open "Orders" and the tracking link is next to the order. I can also resend the email.
 | You'll find tracking in your account under "Orders", or I can send the confirmation again.
C: Could you resend it please?
 | resend it please
A: Done, it's on its way to your inbox.
%neu
C: Got it, thanks.
 | ok received
S: Customer deleted their confirmation email and asked how to track a parcel; agent resent it. Neutral request.

### data_usage_q line
C: How can I check how much data I've used this month?
 | where do i see my data usage?
A: In the app, on the home screen, or text USAGE to 2020 and you'll get a reply with the total.
 | The app shows it on the first screen. You can also text USAGE to 2020.
C: Does that include the data from my hotspot?
 | and hotspot use is counted too?
A: Yes, hotspot data is included in the same allowance.
%neu
C: Ok, thanks.
 | right, understood
S: Customer asked how to check their monthly data use; agent pointed to the app and a text code. Neutral question.

### esim_q line
C: Does my plan support eSIM? I'm getting a new phone.
 | can I switch to an eSIM on my current plan?
A: Yes, all our plans do. Request the QR code in the app under "SIM settings" once you have the new phone.
 | It does. When the new phone arrives, go to "SIM settings" in the app and request the QR code.
C: Will my physical SIM stop working straight away?
A: It stops once the eSIM is activated, so do it when you're ready to switch.
%neu
C: Right, I'll do it at the weekend then.
 | ok makes sense
S: Customer asked whether their plan supports eSIM; it does, via a QR code in the app. Neutral.

### hand_luggage_q booking
C: What's the weight limit for cabin bags?
 | how heavy can my hand luggage be?
A: One cabin bag up to 8 kg plus a small personal item that fits under the seat.
 | 8 kg for the cabin bag, plus a small bag under the seat.
C: Is a laptop bag counted as the personal item?
A: Yes, a laptop bag counts as the personal item.
%neu
C: Ok, thanks.
 | alright, noted
S: Customer asked about cabin bag limits: 8 kg plus a small personal item such as a laptop bag. Neutral.

### checkin_time_q booking
C: What time is check-in, and can we drop our bags earlier?
 | our train gets in at 10am, can we leave luggage before check-in?
~verify
A: Check-in is from 3pm, and reception can store your bags from 8am.
 | Rooms are ready from 3pm, but you're welcome to leave bags at reception from 8am.
%neu
C: OK, noted.
 | Alright, we'll do that.
S: Customer asked about check-in time and luggage storage; check-in is 3pm and bags can be left from 8am. Neutral.
%pos
C: Oh perfect, that makes the day so much easier. Thank you, can't wait!
S: Customer was glad to hear bags can be left from 8am before the 3pm check-in; happy.

### laptop_specs_q none
C: Does the 14-inch model have a backlit keyboard?
 | is the keyboard on the 14 inch laptop backlit?
A: Yes, with two brightness levels.
C: And can the RAM be upgraded later?
 | can i add more RAM later?
A: No, the RAM is soldered, so choose 16 GB if you think you'll need it.
 | It's soldered to the board, so it can't be upgraded.
%neu
C: Ok, that's useful, thanks.
 | fine, I'll go for 16 then
S: Customer asked about the 14-inch laptop's backlit keyboard and RAM upgrades; backlit yes, RAM not upgradeable. Neutral.

### trade_in_q none
C: How does the trade-in work for my old phone?
 | what would I get for trading in an old phone?
A: Enter the model and condition on our trade-in page for a quote, post it with the free label, and the money is paid once it's checked.
 | You get an instant quote online, send it free, and we pay out after inspection.
C: How long does the inspection take?
A: Usually 3 working days after it arrives.
%neu
C: Ok, I'll get a quote and think about it.
 | right, thanks
S: Customer asked how phone trade-in works; agent explained the online quote, free postage and payment after a 3-day check. Neutral.

### invoice_download_q account
C: Where can I download my past invoices?
 | i need invoices for the last 6 months, where are they?
A: Under Account > Billing history; each month has a PDF.
 | They're all in Billing history in your account, as PDFs.
%neu
C: Found them.
 | ok, got them
 | Thanks, all there.
S: Customer asked where to download past invoices; they're in Billing history. Neutral.

### pause_streaming_q account
C: Can I pause my subscription for two months while I'm travelling?
 | is there a way to put my plan on hold for a couple of months?
A: We don't offer pauses, but you can cancel any time and rejoin later; your profiles and watch history are kept for 10 months.
 | There's no pause option, but if you cancel, your profiles and history are saved for 10 months for when you come back.
%neu
C: Ok, I'll cancel before I go then.
 | fair enough
S: Customer asked to pause their subscription while travelling; no pause, but history is kept for 10 months after cancelling. Neutral.

### slot_change order
@day: Saturday ; Sunday ; Friday
C: Can I move my grocery delivery to {day}?
 | need to change my shopping delivery to {day} please
~verify
A: Done, it's now {day} between 10 and 11am.
 | I've moved it to {day}, 10-11am.
%neu
C: Ok thanks.
 | great, thanks
S: Customer asked to move their grocery delivery to {day}; agent rebooked it for 10-11am. Neutral.

### tasting_menu_q booking
C: Is the tasting menu available at lunchtime?
 | can we get the tasting menu for lunch on Sunday?
A: It's dinner only, from 6pm, but the set lunch has three of the same dishes.
 | Only in the evening, I'm afraid. The set lunch includes a few of its dishes though.
%neu
C: Ah ok, we'll come for dinner then.
 | alright, thanks
S: Customer asked if the tasting menu is served at lunch; it's dinner only. Neutral question.

### split_payment_q none
C: Can I pay with a gift card and put the rest on my credit card?
 | can you split payment between a voucher and a card?
A: Yes, enter the gift card first and the remaining balance goes to your card.
%neu
C: Good to know, thanks.
 | ok
S: Customer asked whether a gift card and credit card can be combined; they can. Neutral.

### delete_account_q account
C: If I delete my account, do I lose my points?
 | what happens to my reward points if I close my account?
A: Yes, points can't be kept or transferred once the account is deleted.
 | They're removed with the account and can't be transferred, I'm afraid.
%neu
C: I'll spend them first then.
 | ok, thanks for letting me know
S: Customer asked whether deleting their account loses their points; it does. Neutral.

### order_shipped_q order
C: Has my order shipped yet?
 | any update on my order? has it left?
~verify!
A: Yes, it left the warehouse this morning. Tracking should update by this evening.
 | It was dispatched this morning; the tracking link will show movement later today.
%neu
C: ok
 | Great, thanks.
 | alright
S: Customer asked if their order has shipped; it left the warehouse this morning. Neutral.

### late_no_big_deal order
C: Just letting you know the delivery was about 20 minutes late tonight. No big deal, food was fine.
 | fyi the driver was a bit late, 15 mins or so. not a problem, just mentioning it
A: Thanks for letting us know, and sorry for the wait. I'll pass it on to the delivery team.
 | Sorry about that, and thanks for the heads-up. I'll share it with the team.
%neu
C: No worries.
 | sure, no problem
S: Customer mentioned a slightly late delivery but said it wasn't a problem; neutral feedback.

### find_orders_app_q account
C: Where have the order history pages gone in the new app? Been looking for ages.
 | the app update moved everything, where do I see past orders now?
A: They're under Account > Orders now, at the top of the page.
 | Sorry for the confusion, they've moved to Account, then Orders.
%neu
C: Found it, thanks.
 | ah there they are
S: Customer couldn't find past orders in the updated app; they're under Account > Orders now. Neutral question, found it.

### price_match_q none
C: Do you price match if I find the same TV cheaper somewhere else?
 | will you match a lower price from another shop?
A: We don't price match, but we have a 30-day price promise: if we lower our own price, we refund the difference.
%neu
C: Fair enough.
 | ok, thanks for explaining
S: Customer asked about price matching; there's no match, only a 30-day promise on the store's own price drops. Neutral.

### roaming_q line
@country: Spain ; Greece ; Portugal ; Croatia
C: Is {country} included in my roaming allowance?
 | going to {country} next week, does my plan work there?
A: Yes, {country} is in our roam-free zone, so you can use your minutes and data as at home.
%neu
C: Ok, thanks.
 | good to know
S: Customer asked whether their plan covers roaming in {country}; it does. Neutral question.
%pos
C: Brilliant, that's one less thing to worry about. Thanks so much!
S: Customer was pleased to hear {country} is included in their roaming allowance.

### wrong_colour order
@item: hoodie / hoodie ; phone case / phone case ; backpack / backpack ; bedding set / bedding
@want: green / pink ; black / orange ; navy / yellow
C: I ordered the {item.1} in {want.0} and received it in {want.1}.
 | you sent me the {item.1} in {want.1}, I picked {want.0}
~verify
A: Sorry about that, it looks like a picking error at the warehouse.
 | Apologies, the wrong colour was picked at our warehouse.
%neu
A: I've sent the {want.0} one out today; the courier will swap them at your door.
 | The right colour is on its way, and the courier will collect the {want.1} one at the same time.
C: ok, that works.
 | fine, thanks
S: Customer received the {item.1} in {want.1} instead of {want.0}; the right colour is being sent with a swap at the door. Neutral.
%neg
A: The {want.0} is sold out now, so I can only offer a refund.
 | Unfortunately {want.0} has sold out since, so a refund is the only option.
C: That's really annoying. I ordered early precisely to get that colour.
 | Great. So your mistake means I don't get the one I wanted. Not happy.
S: Customer got the {item.1} in {want.1} instead of {want.0}, which is now sold out; only a refund offered and the customer is annoyed.
P: We're sorry we sent your {item.1} in {want.1} instead of {want.0}, and that {want.0} has since sold out. We can refund it for you.
%pos
A: I've sent the {want.0} one by express and you can keep the {want.1} one as well.
C: Oh wow, thank you! That's really generous.
 | no way, thanks so much!
S: Customer got the wrong colour {item.1}; the right one was sent express and they can keep the other. Customer is delighted.

### callback_missed line
C: I was promised a call back yesterday about my broadband contract. Nobody called.
 | your team said someone would ring me back within 24 hours. that was two days ago
~verify!
A: I'm sorry. I can see the callback request, but it wasn't assigned to anyone.
 | Apologies, the callback was logged but never picked up by the team.
%neg
C: That's the second time. I've taken time off to wait by the phone. Really fed up.
 | So I just wasted my afternoon. This is the last time I wait for you to call.
S: Customer was promised a broadband contract callback that never came, for the second time; they are fed up.
P: We're sorry the callback you were promised about your broadband contract never came, and that this is the second time it has happened.
%neu
A: I can answer your contract question now if you like.
C: ok, go ahead.
S: Customer's promised broadband contract callback never came; the agent offered to answer the question in chat. Neutral.

### voucher_fixed account
C: My birthday voucher won't apply at checkout, it says "not eligible".
 | the 15% birthday code isn't working
~verify
A: I see the problem: the voucher was attached to an old email address. I've moved it over and applied it to your basket.
 | It was linked to your previous email. I've transferred it and added it to your basket for you.
%pos
C: It's working now! You're a star, thank you!
 | Yes, it's showing now. Thanks so much, that was quick.
S: Customer's birthday voucher wasn't applying because it was on an old email; agent moved it over and the customer is delighted.
%neu
C: ok, it shows now.
S: Customer's birthday voucher was linked to an old email; agent fixed it and applied it. Neutral.

### hotel_stay_praise booking
@city: Porto ; York ; Bruges ; Bath
C: We just checked out of your {city} hotel and wanted to say thank you. The staff remembered it was our daughter's birthday and left a cake in the room.
 | Back home from {city} and still smiling: your reception team surprised our daughter with a little cake for her birthday.
A: What a lovely message, thank you! I'll share it with the team in {city}.
C: Please do. We'll definitely stay again.
 | Best hotel stay we've had in years.
%pos
S: Customer thanked the {city} hotel staff for surprising their daughter with a birthday cake; very happy.

### photo_transfer_praise none
C: The assistant at your phone shop moved all my photos and contacts to my new phone and showed me how to use it. I'm 78 and I was nervous about it.
 | Whoever helped my mum in your shop today, thank you. She's 78 and they set up her whole new phone with her.
A: That's wonderful to hear, thank you! I'll pass it on to the store.
C: Such patience. It made a real difference.
%pos
S: Customer praised phone-shop staff for patiently setting up a new phone for an older customer; very grateful.

### conductor_praise none
C: I want to thank the conductor on the 9:15 to Bristol who helped my mum with her wheelchair at every stop.
 | Big thanks to the train guard this morning who made sure my dad's wheelchair ramp was ready at both ends.
A: That's so kind of you to let us know. I'll make sure the conductor hears about it.
C: Honestly, it made the trip so much less stressful for her.
 | Please do. He went above and beyond.
%pos
S: Customer thanked a train conductor for helping a wheelchair user throughout the journey; very grateful.

### fruit_praise none
C: The strawberries in this week's delivery were the best I've had all year!
 | Just had to say the peaches in my order were perfect, sweet and not a single bruise.
A: Ah, thank you! Our growers will love to hear that.
C: Please pass it on. Ordering extra next week.
 | Will definitely be buying more.
%pos
S: Customer praised the fruit in their grocery delivery and will order more; very happy.
"""
EN_SCENARIOS += r"""
### seat_paid_lost booking
C: I paid extra for an exit-row seat and at the gate they moved me to a middle seat at the back.
 | paid 35 for extra legroom on my flight yesterday and got bumped to row 31 middle
~verify!
A: I'm sorry. The aircraft was changed and the exit rows were reassigned.
 | Apologies, there was an aircraft swap and the seat map changed.
%neg
A: I've refunded the seat fee to your card.
 | The seat charge has been refunded to your original payment.
C: The refund's the least you could do. I'm 6'4" and spent four hours with my knees in my chest. Never paying for a seat with you again.
 | Fine, but nobody told me at the gate why, they just handed me a new pass. Pretty poor.
S: Customer paid for an exit-row seat but was moved to a middle seat after an aircraft change; the fee was refunded but they're unhappy.
P: We're sorry you were moved from the exit-row seat you paid for after the aircraft change. Your seat fee has been refunded.
%pos
A: I've refunded the seat fee and added lounge access to your return flight as an apology.
C: Oh, that's a nice gesture. Thank you, I appreciate it!
S: Customer was moved from a paid exit-row seat after an aircraft change; the fee was refunded with lounge access added, and they're pleased.

### checkout_crash account
C: Your app crashes every time I press "Pay". I've lost my basket three times now.
 | the app closes as soon as I hit pay and my basket empties. 3 times tonight
~verify
A: I'm sorry. Which phone and app version are you on?
 | Sorry about that. What phone do you have, and is the app up to date?
C: Latest version, on an older Android.
 | Android, app updated this morning
%neg
A: We're aware of a bug on some Android models; a fix is due next week. You can order on the website in the meantime.
C: Next week? The sale ends tonight. I've wasted an hour rebuilding that basket. Really annoyed.
 | So I have to start all over again on the website. Brilliant. Not impressed.
S: Shopping app crashes at payment on the customer's Android phone and empties their basket; a fix is a week away and they're annoyed.
P: We're sorry the app keeps crashing when you press Pay and has emptied your basket. A fix is due next week, and until then you can order on our website.
%pos
A: I can see your last basket on our side. I'll place the order for you at the sale price now, and you'll get the confirmation by email.
C: That's brilliant, thank you! Saved me rebuilding the whole thing.
S: Shopping app crashed at payment and emptied the customer's basket; agent placed the order for them at the sale price and they're delighted.
"""
KO_SCENARIOS = r"""
### late_food order
@dish: 짜장면 세트 / 짜장면 ; 떡볶이 ; 치킨 ; 마라탕 ; 김치찌개 ; 순댓국
C: {dish|을} 시켰는데 {min}분 넘게 걸려서 왔어요. 다 식었어요.
 | 주문한 지 {min}분 만에 {dish|이} 왔는데 완전 식어 있네요
 | 배달 너무 늦어요. {min}분 기다렸는데 {dish} 다 식었어요
~verify
A: 오래 기다리게 해 드려 송구합니다. 오늘 주문이 몰려 배달이 지연되었습니다.
 | 불편을 드려 죄송합니다. 라이더 배차가 늦어졌던 것으로 확인됩니다.
%neg
A: 배달비를 쿠폰으로 보상해 드리겠습니다.
 | 다음 주문 때 쓰실 수 있는 할인 쿠폰을 넣어 드리겠습니다.
C: 쿠폰 필요 없어요. 저녁 망쳤네요. 다시는 안 시킬래요.
 | 쿠폰이 문제가 아니잖아요. 매번 이러니까 너무 짜증 나요.
 | 그걸로 끝이에요? 식은 음식 먹으라는 거잖아요. 실망이에요.
S: {dish.1|이} {min}분 넘게 늦고 식은 채 도착함. 쿠폰 보상을 안내했으나 고객은 크게 불만족함.
 | 배달 지연({min}분)으로 {dish.1|이} 식어서 옴. 보상 쿠폰도 거절하며 고객이 화가 난 상태.
P: 고객님, 주문하신 {dish.1|이} {min}분 넘게 걸려 다 식은 채로 도착해 정말 죄송합니다. 안내해 드린 쿠폰으로 보상해 드리겠습니다.
 | 고객님, 오래 기다리신 {dish.1|이} 식어서 도착해 저녁 식사를 망치게 해 드린 점 진심으로 사과드립니다.
%pos
A: 바로 새로 조리해서 우선 배달로 보내 드리겠습니다. 비용은 받지 않겠습니다.
 | 새로 만들어서 가장 빠른 라이더로 다시 보내 드릴게요. 무료로 처리됩니다.
C: 헉 감사합니다!
 | 오 정말요? 감사해요
C: 새로 온 거 따끈따끈하네요. 빠르게 처리해 주셔서 정말 감사해요!
 | 20분 만에 왔어요. 대처 진짜 최고예요!
S: {dish.1|이} 늦고 식어서 왔으나 무료로 새로 조리해 빠르게 재배달함. 고객은 만족함.
%neu
A: 배달비는 환불 처리해 드렸습니다.
 | 배달비 환불해 드렸고 3~5일 내 카드로 들어갑니다.
C: 네 알겠습니다.
 | 네.
S: {dish.1} 배달이 {min}분 지연되어 식은 채 도착, 배달비가 환불됨. 고객은 담담하게 수용함.

### wrong_menu order
@got: 순대국 ; 불고기 덮밥 / 덮밥 ; 물냉면 ; 돈가스
@ordered: 제육볶음 ; 비빔밥 ; 칼국수 ; 쌀국수
C: {ordered|을} 주문했는데 {got|이} 왔어요.
 | 메뉴가 잘못 왔어요. 저는 {ordered} 시켰는데 {got|이} 왔네요.
~verify
A: 죄송합니다. 매장에서 포장이 바뀐 것 같습니다.
 | 불편을 드려 죄송합니다. 다른 주문과 음식이 바뀌어 나간 것으로 보입니다.
%neg
A: 주문 금액 환불해 드리겠습니다.
C: 환불받으면 뭐 해요, 점심시간 다 끝났는데. 정말 어이없네요.
 | 환불보다 밥을 먹고 싶었어요. 이번이 두 번째예요. 실망입니다.
S: {ordered} 대신 {got|이} 잘못 배달됨. 환불을 안내했으나 고객은 식사를 놓쳐 화가 남.
P: 고객님, 주문하신 {ordered} 대신 {got|이} 배달되어 식사를 하지 못하시게 해 정말 죄송합니다. 주문 금액은 환불해 드리겠습니다.
%pos
A: 지금 바로 {ordered|을} 다시 만들어 보내 드리겠습니다. 잘못 간 음식은 드셔도 됩니다.
C: 오 감사합니다! 빨리 와서 맛있게 먹었어요. 대처 최고예요.
 | 금방 왔네요! 친절하게 처리해 주셔서 감사해요.
S: {ordered} 대신 {got|이} 왔으나 즉시 다시 만들어 보내 줌. 고객은 빠른 대처에 만족함.

### missing_item order
@missing: 공깃밥 ; 단무지 ; 군만두 ; 치즈볼 ; 양념 소스 / 소스
C: {missing|이} 빠져 있어요. 분명 주문했는데요.
 | 주문 내역엔 {missing} 있는데 안 왔어요
%neu
A: 죄송합니다. 누락된 {missing} 금액은 환불해 드렸습니다.
 | 빠진 {missing.1} 금액은 바로 환불 처리했습니다.
C: 네 알겠어요.
 | 네 확인했습니다.
S: 주문한 {missing.1|이} 누락되어 해당 금액을 환불함. 고객은 담담하게 받아들임.
%neg
A: 죄송합니다. {missing.1} 금액 환불해 드리겠습니다.
C: 지난번에도 빠졌었어요. 매번 확인해야 하는 게 너무 피곤하네요.
 | 환불이 문제가 아니라 올 때마다 뭐가 하나씩 빠져요. 짜증 나요.
S: {missing.1|이} 또 누락됨. 환불 안내에도 반복되는 누락에 고객이 지치고 불만족함.
P: 고객님, 주문하신 {missing.1|이} 또 빠진 채 배달되어 번거롭게 해 드려 죄송합니다. 누락된 {missing.1} 금액은 환불해 드리겠습니다.

### foreign_object order
@obj: 비닐 조각 ; 작은 플라스틱 조각 ; 스테이플러 심 ; 철수세미 가닥
C: 국물에서 {obj|이} 나왔어요. 먹다가 씹혔어요.
 | 음식에 {obj|이} 들어 있었어요. 사진 보내드릴게요.
A: 정말 죄송합니다. 사진 확인했습니다. 해당 매장에 즉시 전달하고 위생 점검을 요청하겠습니다.
 | 너무 놀라셨죠, 죄송합니다. 매장에 바로 알리고 위생 점검을 요청했습니다.
C: 아이도 같이 먹었는데 너무 찝찝하고 화가 나요.
 | 환불이 문제가 아니라 너무 불쾌해요. 다시는 못 시킬 것 같아요.
%neg
S: 음식에서 {obj|이} 나와 매장에 위생 점검을 요청함. 고객은 매우 불쾌하고 화가 난 상태.
P: 고객님, 음식에서 {obj|이} 나와 많이 놀라고 불쾌하셨을 텐데 정말 죄송합니다. 해당 매장에 위생 점검을 요청했습니다.

### taste_praise none
@dish: 닭갈비 ; 쌀국수 ; 족발 ; 김치찜 ; 해물파전
C: 오늘 {dish} 진짜 맛있었어요! 양도 많고요.
 | {dish} 처음 시켜봤는데 완전 제 스타일이에요 ㅎㅎ
A: 맛있게 드셨다니 감사합니다! 주방에 꼭 전달할게요.
 | 좋게 봐 주셔서 감사해요! 사장님께도 전해 드릴게요.
C: 단골 될 것 같아요. 번창하세요!
 | 다음 주에 친구들이랑 또 시킬게요!
%pos
S: 고객이 {dish} 맛과 양을 칭찬하며 재주문 의사를 밝힘. 매우 만족함.

### review_coupon_q none
C: 리뷰 이벤트 쿠폰은 언제 들어와요?
 | 리뷰 쓰면 주는 쿠폰 언제 받을 수 있어요?
A: 리뷰 작성 후 24시간 이내에 쿠폰함으로 지급됩니다.
C: 유효기간은요?
A: 발급일부터 14일입니다.
C: 네 알겠습니다.
 | 넵
%neu
S: 리뷰 이벤트 쿠폰 지급 시점과 유효기간을 문의함. 중립적인 질문.

### rude_rider none
C: 라이더분이 엘리베이터 기다리게 했다고 저한테 화를 내셨어요.
 | 기사님이 음식 건네면서 반말로 빨리 좀 나오라고 하셨어요.
A: 불쾌하셨을 텐데 정말 죄송합니다. 배달받으신 시간을 말씀해 주시면 바로 살펴보겠습니다.
C: 오후 7시 20분쯤이요.
 | 저녁 8시쯤이요.
A: 해당 라이더에게 경고 조치하고 재발 방지 교육을 진행하겠습니다.
%neg
C: 네. 솔직히 기분이 너무 상했어요.
 | 다음에 또 그분이 오시면 주문 안 할 거예요.
S: 배달 라이더가 고객에게 무례하게 대함. 경고 조치를 안내했으나 고객은 기분이 상한 상태.
P: 고객님, 배달 라이더가 무례하게 대해 불쾌하셨을 텐데 진심으로 사과드립니다. 해당 라이더에게 경고 조치하고 재발 방지 교육을 진행하겠습니다.

### size_exchange order
@item: 청바지 ; 원피스 ; 운동화 ; 패딩 ; 니트
C: {item} 사이즈가 작아서 한 치수 큰 걸로 교환하고 싶어요.
 | {item|이} 생각보다 작게 나왔네요. 교환 가능할까요?
A: 네, 가능합니다. 교환 신청해 드렸고 내일 기사님이 회수하러 방문하실 예정입니다.
 | 물론이죠. 교환 접수했고, 내일 택배 기사님이 기존 상품을 가지러 가십니다.
%neu
C: 네 알겠습니다.
 | 네, 문 앞에 둘게요.
S: {item} 사이즈 교환을 요청해 교환 접수 및 회수가 예약됨. 중립적인 요청.
%pos
C: 와 빠르네요! 디자인은 너무 맘에 들어서 다행이에요. 빠른 처리 감사합니다.
 | 금방 처리해 주셨네요. 감사해요! 큰 사이즈 오면 잘 쓸게요.
S: {item} 사이즈 교환이 바로 접수됨. 고객은 상품과 빠른 처리에 만족함.

### parcel_lost order
C: 배송완료라고 뜨는데 택배가 없어요.
 | 택배가 배송완료로 나오는데 문 앞에도, 경비실에도 없어요.
~verify!
A: 확인해 보니 배송 사진이 다른 호수 앞에서 찍혀 있습니다.
 | 기사님 배송 사진을 보니 다른 집 현관 앞으로 보입니다.
%neg
A: 택배사에 확인 요청했고 회신까지 2~3일 정도 걸릴 수 있습니다.
C: 2~3일이요? 내일 써야 하는 물건인데... 너무 답답하네요.
 | 잘못 배송한 건 택배사인데 왜 제가 기다려야 하죠? 진짜 화나요.
S: 택배가 배송완료로 표시됐지만 다른 집에 배송됨. 택배사 확인에 2~3일 걸린다는 안내에 고객이 답답해함.
P: 고객님, 배송완료로 표시된 택배가 다른 집 앞에 잘못 배송되어 정말 죄송합니다. 택배사에 확인을 요청했으며 회신까지 2~3일 정도 걸릴 수 있습니다.
%pos
A: 기사님과 통화해서 오늘 저녁까지 찾아서 다시 가져다드리기로 했습니다.
C: 와 감사합니다. 저녁에 받았어요! 신경 써 주셔서 정말 고마워요.
S: 다른 집에 잘못 배송된 택배를 기사님이 당일 다시 가져다줌. 고객은 매우 만족함.
%neu
A: 기사님께 연락해 내일 오전 중으로 회수 후 재배송하도록 요청했습니다.
C: 네 알겠어요. 내일 확인할게요.
S: 다른 집에 잘못 배송된 택배를 내일 오전 회수 후 재배송하기로 함. 고객은 담담함.

### broken_item order
@item: 유리 화병 / 화병 ; 그릇 세트 / 그릇 ; 원목 액자 / 액자 ; 도자기 머그컵 / 머그컵
C: {item|이} 깨져서 왔어요. 박스 안에 완충재가 거의 없었어요.
 | 택배 열어보니 {item} 산산조각 났어요 ㅠㅠ
A: 죄송합니다. 파손 부위 사진을 보내 주시겠어요?
 | 불편을 드려 죄송합니다. 파손된 부분과 상자 사진 부탁드려요.
C: 보냈어요.
 | 방금 올렸어요.
%neg
A: 확인했습니다. 해당 상품은 품절이라 환불만 가능합니다.
C: 선물하려고 산 건데 이제 와서 품절이라니요. 너무 속상해요.
 | 포장을 그렇게 해 놓고 환불만 된다니 어이가 없네요.
S: {item.1|이} 파손되어 도착했으나 품절이라 환불만 가능함. 고객은 속상해하며 불만족함.
P: 고객님, 주문하신 {item.1|이} 파손된 채 도착했는데 품절이라 환불만 가능해 정말 죄송합니다. 안내해 드린 대로 환불로 처리해 드리겠습니다.
%pos
A: 확인했습니다. 새 상품을 오늘 바로 보내 드리고, 깨진 상품은 반품하지 않으셔도 됩니다.
C: 진짜요? 빠르게 처리해 주셔서 감사합니다! 다음에도 여기서 살게요.
S: {item.1|이} 깨져서 왔으나 반품 없이 새 상품을 당일 발송함. 고객은 만족함.

### refund_delay order
C: 반품한 지 2주가 넘었는데 아직 환불이 안 됐어요.
 | 환불 언제 돼요? 반품 보낸 지 보름 됐어요.
~verify
A: 확인해 보니 반품 상품은 입고되었고 검수가 완료되었습니다.
%neg
A: 환불은 영업일 기준 7일 이내로 처리될 예정입니다.
C: 또 7일이요? 물건은 벌써 가져가 놓고 돈은 왜 이렇게 늦게 줘요. 어이없네요.
 | 검수까지 끝났는데 일주일을 더 기다리라고요? 너무하시네요.
S: 반품 후 2주가 지나도 환불이 안 됐고 7일 더 걸린다는 안내에 고객이 화가 남.
P: 고객님, 반품 검수까지 끝났는데도 환불이 늦어져 정말 죄송합니다. 환불은 영업일 기준 7일 이내로 처리될 예정입니다.
%neu
A: 오늘 오전에 환불 처리되었습니다. 카드사 사정에 따라 사흘에서 닷새 정도 걸립니다.
C: 네 알겠습니다.
 | 네 기다려 볼게요.
S: 반품 환불 지연을 문의했고 오늘 환불 처리되었다는 안내를 받음. 고객은 담담함.
%pos
A: 환불이 누락되어 있어서 방금 바로 처리했습니다. 오늘 중으로 입금됩니다.
C: 벌써 들어왔네요! 신경 써 주셔서 감사합니다.
S: 누락됐던 반품 환불을 즉시 처리해 당일 입금됨. 고객은 고마워함.

### fast_delivery_praise none
C: 어제 밤에 주문했는데 오늘 아침에 왔어요! 완전 빠르네요.
 | 밤 11시에 주문한 게 아침 7시에 와 있어서 깜짝 놀랐어요 ㅎㅎ
A: 빠르게 받아 보셔서 다행입니다!
 | 만족하셨다니 저희도 기쁩니다!
C: 포장도 깔끔하고 상품도 설명 그대로예요. 감사합니다.
 | 상품도 상세페이지랑 똑같고요. 자주 이용할게요!
%pos
S: 주문 다음 날 아침 배송과 깔끔한 포장에 고객이 만족함.

### restock_q none
@item: 베이지 트렌치코트 / 트렌치코트 ; 블랙 로퍼 / 로퍼 ; 그레이 후드티 / 후드티
C: {item} M 사이즈 재입고 언제 되나요?
 | {item.1} 재입고 예정 있나요? M 사이즈요
A: 다음 주 수요일 입고 예정입니다. 재입고 알림 신청해 두시면 문자로 알려 드려요.
%neu
C: 네 알림 신청할게요.
 | 네 알겠어요
S: {item.1} 재입고 일정을 문의해 다음 주 수요일 입고 예정이라는 답을 받음. 중립적인 문의.
%pos
C: 오 생각보다 빠르네요! 기다렸던 거라 너무 좋아요 ㅎㅎ 알림 신청했어요!
S: {item.1} 재입고가 다음 주로 예정되어 있다는 안내에 고객이 기뻐함.

### battery_fault order
@item: 무선청소기 / 청소기 ; 전동칫솔 / 칫솔 ; 블루투스 스피커 / 스피커
C: 산 지 한 달 된 {item|이} 충전이 안 돼요.
 | {item} 배터리가 10분도 안 가요. 산 지 얼마 안 됐는데요.
A: 불편을 드려 죄송합니다. 다른 콘센트에서도 충전해 보셨을까요?
 | 죄송합니다. 충전기와 콘센트를 바꿔서도 해 보셨나요?
C: 네 다 해봤어요.
 | 네 해봤는데 똑같아요.
%neg
A: 그럼 AS 센터로 보내 주시면 점검 후 수리해 드립니다. 7~10일 정도 소요됩니다.
C: 한 달 만에 고장 난 것도 짜증 나는데 열흘이나 기다려야 한다고요? 실망이에요.
S: 구매 한 달 된 {item.1} 배터리 불량으로 AS를 안내받았으나 7~10일 걸린다는 말에 고객이 실망함.
P: 고객님, 구매하신 {item.1|이} 한 달 만에 배터리 문제로 제대로 쓸 수 없게 되어 정말 죄송합니다. AS 센터로 보내 주시면 점검 후 수리해 드리며, 7~10일 정도 소요됩니다.
%pos
A: 초기 불량으로 보여서 새 제품으로 바로 교환해 드리겠습니다. 내일 도착합니다.
C: 와 빠르네요. 감사합니다! 친절하게 해주셔서 기분 좋네요.
S: {item.1} 배터리 불량으로 문의했고 바로 새 제품 교환이 진행됨. 고객은 만족함.

### phone_repair order
C: 휴대폰 액정 수리 맡긴 지 열흘이 넘었는데 아직 연락이 없어요.
 | 액정 수리 맡긴 게 열흘째 소식이 없네요.
~verify
A: 확인해 보니 부품 입고가 지연되고 있습니다.
%neg
C: 처음엔 3일이면 된다고 하셨잖아요. 연락도 제가 먼저 해야 알 수 있고... 너무하네요.
A: 부품 들어오는 대로 최우선으로 처리하겠습니다.
C: 언제 들어오는지도 모르는 거잖아요. 정말 답답합니다.
S: 휴대폰 액정 수리가 부품 지연으로 열흘 넘게 걸리고 연락도 없어 고객이 답답해함.
P: 고객님, 부품 입고 지연으로 액정 수리가 열흘 넘게 걸리고 먼저 소식을 드리지 못해 정말 죄송합니다. 부품이 들어오는 대로 최우선으로 처리하겠습니다.
%neu
A: 부품이 내일 입고되어 모레 수리 완료 예정입니다. 완료되면 문자 드리겠습니다.
C: 네 알겠습니다. 문자 주세요.
S: 휴대폰 액정 수리 진행 상황을 문의해 모레 완료 예정이라는 안내를 받음. 고객은 담담함.

### tv_install_praise none
C: 오늘 TV 설치해 주신 기사님 정말 친절하셨어요. 벽걸이 위치도 꼼꼼하게 봐주시고요.
 | TV 설치 기사님께 감사 인사 드리고 싶어요. 하나하나 설명해 주시면서 설치해 주셨어요.
A: 좋은 말씀 감사합니다! 기사님께 꼭 전달하겠습니다.
C: 선 정리까지 깔끔하게 해주셔서 너무 만족해요.
%pos
S: TV 설치 기사님의 친절하고 꼼꼼한 설치와 선 정리에 고객이 매우 만족함.

### laptop_defect order
C: 노트북 받자마자 켰는데 키보드 몇 개가 안 눌려요.
 | 새 노트북인데 키보드 몇몇 키가 안 먹어요
~verify
A: 불편을 드려 죄송합니다. 초기 불량으로 확인됩니다.
%neg
A: 제조사 AS센터 방문 수리로 안내드리고 있습니다.
C: 새 제품을 받자마자 수리를 맡기라고요? 교환해 주셔야죠. 너무 불쾌하네요.
S: 새 노트북 키보드 일부가 작동하지 않는 초기 불량. 수리만 안내받아 고객이 불쾌해함.
P: 고객님, 새로 받으신 노트북의 키보드 일부가 눌리지 않는 초기 불량으로 불편을 드려 정말 죄송합니다. 안내해 드린 대로 제조사 AS센터에서 방문 수리를 받으실 수 있습니다.
%pos
A: 새 제품으로 바로 교환해 드리겠습니다. 내일 기사님이 새 제품을 가져다드리면서 회수해 가실 거예요.
C: 다행이다. 빠르게 처리해 주셔서 감사합니다!
S: 새 노트북 키보드 불량으로 바로 새 제품 교환이 결정됨. 고객은 빠른 처리에 만족함.

### double_payment order
C: 결제가 두 번 됐어요. 카드 문자가 두 번 왔어요.
 | 같은 주문인데 돈이 두 번 빠져나갔어요!
~verify!
A: 확인해 보니 결제 오류로 중복 승인되었습니다.
 | 네, 결제 시스템 오류로 두 번 승인된 것이 맞습니다.
%neg
A: 한 건은 취소 처리했고 카드사에 따라 5~7일 후 환불됩니다.
C: 5~7일이요? 생활비 카드라 지금 당장 필요한데... 진짜 화나네요.
 | 제 잘못도 아닌데 일주일을 기다리라고요? 어이없네요.
S: 같은 주문이 중복 결제되어 한 건 취소했으나 환불까지 5~7일 걸려 고객이 화가 남.
P: 고객님, 결제 오류로 같은 주문이 두 번 결제되어 정말 죄송합니다. 중복된 한 건은 취소 처리되었으며 카드사에 따라 5~7일 후 환불됩니다.
%neu
A: 중복 결제된 한 건은 방금 취소했습니다. 3~5일 내 카드사에서 환불됩니다.
C: 네 알겠습니다.
 | 네 확인할게요.
S: 중복 결제 중 한 건을 취소했고 3~5일 내 환불 예정. 고객은 담담하게 수용함.
%pos
A: 중복 결제 건은 즉시 취소했고, 불편을 드려 배송비 무료 쿠폰도 넣어 드렸습니다.
C: 와 빠르시네요. 쿠폰까지 감사합니다!
S: 중복 결제가 즉시 취소되고 쿠폰까지 받아 고객이 만족함.

### trial_charge account
@service: 전자책 구독 / 전자책 ; 음악 스트리밍 / 음악 앱 ; 영어 회화 앱 / 회화 앱
C: {service} 무료체험 끝나기 전에 해지했는데 결제가 됐어요.
 | 무료체험만 쓰려고 했는데 {service.1}에서 한 달 요금이 빠져나갔네요
~verify
A: 확인해 보니 해지 신청이 체험 종료 다음 날 접수되었습니다.
%neg
C: 분명히 전날 밤에 해지 눌렀어요. 일부러 해지 어렵게 해놓고 결제하는 거 아닌가요? 환불해 주세요.
A: 규정상 환불은 어렵고 다음 달부터 해지 처리됩니다.
C: 한 번도 안 쓴 서비스에 돈을 내라니 말이 안 돼요. 너무 화가 납니다.
S: {service.1} 무료체험 해지 후 결제가 되었으나 규정상 환불 불가 안내를 받아 고객이 매우 화가 남.
P: 고객님, 무료체험을 해지하셨는데도 {service.1} 요금이 결제되어 불쾌하셨을 텐데 정말 죄송합니다. 해지는 다음 달부터 처리됩니다.
%neu
A: 하루 차이라 이번에는 전액 환불해 드리고 해지 처리했습니다.
C: 네 감사합니다.
 | 네.
S: {service.1} 무료체험 해지가 하루 늦게 접수되어 결제됐으나 전액 환불 처리됨. 고객은 담담함.

### login_code account
C: 로그인하려는데 인증번호 문자가 안 와요.
 | 인증번호가 계속 안 와서 로그인을 못 하고 있어요
~verify!
A: 등록된 휴대폰 번호 끝자리가 {phone4} 맞으신가요?
 | 가입된 번호가 {phone4}로 끝나는 번호 맞으시죠?
C: 네 맞아요.
 | 네 그 번호예요.
A: 방금 인증번호를 다시 보냈습니다. 확인 부탁드립니다.
 | 인증번호를 새로 발송했어요. 들어왔는지 봐 주시겠어요?
C: 안 왔어요.
 | 여전히 안 와요.
A: 스팸 문자함도 한번 확인해 주시겠어요?
 | 혹시 차단 문자함이나 스팸함에 들어가 있을 수 있어요.
C: 스팸함에도 없어요.
 | 거기도 없어요.
%pos
A: 그럼 이메일로 인증번호를 받으실 수 있도록 변경해 드렸습니다.
 | 그럼 인증 수단을 이메일로 바꿔 드릴게요. 메일함 확인해 주세요.
C: 이메일로 왔어요! 로그인됐어요.
 | 메일로 왔어요! 들어가졌어요.
A: 다행입니다. 문자 인증은 설정에서 다시 켜실 수 있어요.
C: 끝까지 친절하게 도와주셔서 감사합니다.
 | 덕분에 해결했어요. 정말 감사해요!
S: 인증번호 문자가 오지 않아 로그인하지 못했으나 이메일 인증으로 바꿔 해결됨. 고객은 만족함.
%neg
A: 본인 확인 서류를 제출해 주시면 영업일 기준 2일 안에 처리해 드립니다.
 | 신분증 사본으로 본인 확인을 하셔야 하고, 처리까지 영업일 기준 이틀이 걸립니다.
C: 2일이요? 오늘 꼭 확인해야 할 게 있는데... 한 시간째 이러고 있어요.
 | 이틀이나요? 오늘 봐야 하는 게 있어서 한 시간째 이러고 있는데요.
A: 죄송합니다. 보안 절차상 어쩔 수 없습니다.
C: 정말 너무하네요. 답답해 죽겠어요.
S: 인증번호 문자가 오지 않아 로그인 불가. 본인 확인에 2일이 걸린다는 안내에 고객이 매우 답답해함.
P: 고객님, 인증번호 문자가 오지 않아 오랫동안 로그인하지 못하셔서 정말 죄송합니다. 본인 확인 서류를 제출해 주시면 영업일 기준 2일 안에 처리해 드리겠습니다.

### find_id_q account
C: 아이디가 기억이 안 나요. 어떻게 찾아요?
 | 아이디 찾는 방법 좀 알려 주세요
A: 로그인 화면의 '아이디 찾기'에서 휴대폰 인증을 하시면 바로 확인하실 수 있습니다.
C: 휴대폰 번호가 바뀌었으면요?
A: 가입하신 이메일로도 찾으실 수 있어요.
C: 네 해볼게요.
 | 알겠습니다.
%neu
S: 아이디 찾는 방법을 문의해 휴대폰 또는 이메일 인증 방법을 안내받음. 중립적인 질문.

### hacked account
C: 제가 안 한 주문이 있어요. 해킹당한 것 같아요.
 | 모르는 곳에서 로그인했다는 알림이 왔는데 주문 내역에 제가 안 산 게 있어요!
~verify!
A: 확인해 보니 해외에서 로그인 기록이 있습니다. 우선 계정을 잠그고 해당 주문을 취소했습니다.
%pos
A: 비밀번호 재설정 링크도 이메일로 보내 드렸습니다. 결제된 금액은 전액 취소됩니다.
C: 너무 놀랐는데 빠르게 처리해 주셔서 감사합니다. 안심이 되네요.
S: 해외 로그인으로 모르는 주문이 발생했으나 계정 잠금과 주문 취소가 즉시 처리됨. 고객은 안심하고 감사해함.
%neg
A: 계정 잠금 해제는 본인 인증 후 3영업일이 걸립니다.
C: 제 잘못도 아닌데 3일 동안 아무것도 못 한다고요? 보안이 어떻게 되어 있는 거예요.
S: 해킹 의심 주문은 취소되었으나 계정 잠금 해제에 3영업일이 걸려 고객이 화가 남.
P: 고객님, 계정이 도용되어 모르는 주문이 생기고 잠금 해제까지 기다리셔야 해 정말 죄송합니다. 의심 주문은 취소되었으며, 본인 인증 후 3영업일이 지나면 잠금이 해제됩니다.

### ott_cancel account
C: OTT 구독 해지하고 싶은데 앱에 해지 버튼이 어디 있는지 모르겠어요.
 | 구독 해지 메뉴를 아무리 찾아도 없어요
A: 제가 바로 도와드릴게요. 혹시 해지 전에 3개월 50% 할인 혜택은 어떠세요?
%neg
C: 아니요. 해지 버튼을 이렇게 숨겨 놓는 게 말이 되나요? 그냥 해지해 주세요.
A: 해지 처리되었습니다. 이번 결제 기간까지는 이용 가능합니다.
C: 다시는 가입 안 할 거예요.
S: 구독 해지 메뉴를 찾기 어려워 불만을 표한 고객의 해지가 처리됨. 고객은 불만족함.
P: 고객님, 해지 메뉴를 찾기 어려워 번거롭게 해 드려 죄송합니다. 구독은 해지 처리되었으며 이번 결제 기간까지는 이용하실 수 있습니다.
%neu
C: 아니요 괜찮아요. 해지해 주세요.
A: 해지 처리되었습니다. 이번 결제 기간까지는 이용 가능합니다.
C: 네.
S: 고객이 구독 해지를 요청해 할인 제안을 거절하고 해지됨. 중립적.

### regular_delivery account
@item: 샐러드 정기배송 / 샐러드 ; 반찬 정기배송 / 반찬 ; 우유 정기배송 / 우유
C: {item} 다음 주 한 번만 쉬어 갈 수 있나요? 여행 가요.
 | 다음 주에 집을 비워서 {item} 한 주 건너뛰고 싶어요.
A: 네, 다음 주 배송은 건너뛰기 처리해 드렸습니다.
%neu
C: 네 감사합니다.
 | 네~
S: {item.1} 정기배송 1주 건너뛰기를 요청해 처리됨. 중립적인 요청.
%pos
C: 간편하네요! 요즘 {item.1} 너무 맛있게 먹고 있어요. 감사해요.
S: {item.1} 정기배송을 한 주 쉬도록 처리했고, 고객은 상품에 만족감을 표함.

### internet_down line
C: 인터넷이 아침부터 안 돼요. 공유기에 빨간불 들어와 있어요.
 | 오늘 아침부터 인터넷이 먹통이에요. 공유기 불이 빨간색이에요.
~verify!
A: 지역 장애는 확인되지 않습니다. 공유기 전원을 30초 정도 뽑았다가 다시 꽂아 보시겠어요?
 | 현재 고객님 지역에 장애는 없습니다. 공유기 전원을 껐다가 30초 뒤에 다시 켜 보시겠어요?
C: 해봤는데 그대로예요.
 | 껐다 켰는데 똑같아요.
A: 벽에 연결된 랜선이 잘 꽂혀 있는지도 확인 부탁드립니다.
 | 벽 단자와 공유기를 잇는 선이 헐겁지 않은지도 봐 주세요.
C: 잘 꽂혀 있어요.
 | 단단히 꽂혀 있어요.
A: 원격으로 회선 점검해 보겠습니다. 2분 정도 걸립니다.
 | 제가 원격으로 회선 테스트를 해 볼게요. 잠깐이면 됩니다.
C: 네
 | 넵
A: 집 밖 회선에 문제가 있는 것으로 확인됩니다.
 | 테스트 결과 댁 외부 선로 쪽에 이상이 있네요.
%neg
A: 기사님 방문은 목요일 오전에 가능합니다.
 | 가장 빠른 기사 방문 일정은 목요일 오전입니다.
C: 오늘 월요일인데 목요일이요? 재택근무라 인터넷 없으면 일을 못 해요. 말이 안 되네요.
A: 죄송합니다. 가장 빠른 일정입니다.
 | 죄송하지만 그 전에는 빈 일정이 없습니다.
C: 요금은 꼬박꼬박 받아 가면서 이게 뭐예요. 정말 화납니다.
S: 회선 문제로 인터넷이 끊겼는데 기사 방문이 목요일에야 가능해 재택근무 중인 고객이 매우 화가 남.
P: 고객님, 집 밖 회선 문제로 인터넷이 끊기고 기사 방문도 목요일 오전에야 가능해 정말 죄송합니다. 가장 빠른 일정인 목요일 오전에 기사님이 방문하겠습니다.
%pos
A: 마침 근처에 계신 기사님이 오늘 오후 2시에 방문 가능합니다.
 | 근처 현장에 계신 기사님이 오늘 2시에 들르실 수 있다고 합니다.
C: 오 다행이다. 그걸로 해 주세요!
C: 기사님 다녀가셨고 인터넷 잘 됩니다. 빠르게 처리해 주셔서 감사합니다!
S: 회선 문제로 끊긴 인터넷이 당일 기사 방문으로 복구됨. 고객은 빠른 처리에 만족함.

### plan_change_q line
C: 데이터 무제한 요금제로 바꾸면 약정 다시 해야 하나요?
 | 요금제를 무제한으로 올리면 약정이 새로 시작되나요?
A: 아니요, 요금제만 변경되고 약정 기간은 그대로 유지됩니다. 다음 달 1일부터 적용돼요.
C: 나중에 다시 낮은 요금제로 내릴 수도 있나요?
A: 변경 후 한 달이 지나면 가능합니다.
C: 네 생각해 볼게요.
 | 알겠습니다.
%neu
S: 무제한 요금제 변경 시 약정 유지 여부를 문의해 약정은 유지된다는 답을 받음. 중립적.

### micropayment line
C: 이번 달 핸드폰 요금이 평소보다 3만원이나 더 나왔어요.
 | 휴대폰 요금이 갑자기 너무 많이 나왔는데 이유 좀 알 수 있을까요?
~verify!
A: 확인해 보니 소액결제로 게임 아이템 구매 내역이 있습니다.
C: 저 게임 안 해요. 아이가 했나 봐요...
%neu
A: 자녀분 결제라면 이번 한 번 취소 요청이 가능하고, 소액결제 차단도 해 드릴 수 있어요.
C: 네 둘 다 해 주세요.
A: 처리했습니다.
C: 네 알겠어요.
S: 늘어난 휴대폰 요금이 자녀의 게임 소액결제 때문으로 확인됨. 취소와 차단 처리, 고객은 담담함.
%neg
A: 소액결제는 취소가 어려워 다음 달부터 차단만 가능합니다.
C: 미성년자가 결제할 수 있게 해 둔 것도 문제 아닌가요? 너무 황당하네요.
S: 요금 증가가 자녀의 소액결제 때문으로 확인됐으나 취소 불가 안내를 받아 고객이 황당해함.
P: 고객님, 자녀분의 소액결제로 요금이 예상보다 많이 나와 당황하셨을 텐데 죄송합니다. 결제 취소는 어렵지만 다음 달부터 소액결제를 차단해 드릴 수 있습니다.

### router_tech_praise none
C: 새 공유기로 교체해 주신 기사님이 와이파이 설정까지 다 해주셨어요. 너무 감사해요.
 | 공유기 교체하러 오신 기사님 덕분에 집 와이파이가 훨씬 빨라졌어요!
A: 칭찬 감사합니다! 기사님께 꼭 전해 드릴게요.
C: 부모님 휴대폰 와이파이 연결까지 도와주셨어요. 최고예요.
%pos
S: 공유기 교체 기사님이 와이파이 설정까지 도와줘 고객이 매우 만족하며 칭찬함.

### flight_cancel booking
@city: 제주 ; 부산 ; 오사카 ; 다낭
C: 내일 아침 {city}행 비행기가 결항됐다는 문자를 받았어요. 중요한 일정이 있는데요.
 | {city} 가는 내일 첫 비행기가 결항이래요. 꼭 가야 하는데 어떡해요?
~verify!
A: 불편을 드려 죄송합니다. 기상 악화로 결항되었습니다. 대체 항공편 확인해 보겠습니다.
 | 기상 악화로 결항되어 죄송합니다. 다른 항공편을 찾아보겠습니다.
C: 꼭 내일 오전까지 도착해야 해요.
 | 내일 오전 안에는 무조건 도착해야 돼요.
A: 내일 오전 비행기는 이미 만석입니다.
 | 내일 오전 편은 모두 좌석이 없습니다.
C: 다른 방법은 없나요?
 | 방법이 전혀 없을까요?
A: 잠시만요, 다른 시간대도 확인해 보겠습니다.
 | 다른 시간대도 조회해 볼게요. 잠시만요.
%pos
A: 오늘 밤 9시 출발편에 좌석이 있어서 추가 비용 없이 변경해 드릴 수 있습니다.
C: 네! 그걸로 해 주세요.
A: 변경 완료되었습니다. 탑승권은 문자로 보내 드렸습니다.
 | 변경해 드렸고 새 탑승권은 문자로 발송했습니다.
C: 정말 감사합니다. 덕분에 일정 지킬 수 있겠어요!
S: {city}행 항공편이 결항됐으나 당일 밤 항공편으로 무료 변경되어 고객이 매우 고마워함.
%neg
A: 죄송하지만 내일 오후 3시 편이 가장 빠릅니다. 환불도 가능합니다.
C: 그럼 일정에 못 가는 거잖아요. 이렇게 하루 전에 알려 주시면 어떡해요. 너무 속상하고 화나요.
S: {city}행 항공편이 결항되고 대체편이 오후라 중요한 일정에 늦게 된 고객이 속상하고 화가 남.
P: 고객님, 기상 악화로 {city}행 항공편이 결항되어 중요한 일정에 차질이 생기게 되어 정말 죄송합니다. 가장 빠른 내일 오후 3시 편으로 변경하시거나 환불을 받으실 수 있습니다.

### stay_missing booking
C: 숙소 체크인하려는데 예약이 없다고 하네요. 앱으로 결제까지 했어요.
 | 펜션 도착했는데 제 예약이 안 들어와 있대요. 가족들이랑 밖에서 기다리고 있어요.
~verify!
A: 확인해 보니 숙소 측에 예약 정보가 전달되지 않은 것 같습니다. 바로 숙소에 연락해 보겠습니다.
%pos
A: 숙소와 통화했고, 같은 가격에 더 넓은 객실로 바로 배정해 준다고 합니다.
C: 와 다행이에요. 방도 더 좋네요! 빠르게 해결해 주셔서 감사합니다.
S: 숙소에 예약 정보가 누락됐으나 바로 연락해 더 넓은 객실로 배정됨. 고객은 만족함.
%neg
A: 숙소가 만실이라 근처 다른 숙소를 찾아 드려야 할 것 같습니다.
C: 밤 11시에 짐 들고 또 옮기라고요? 가족이랑 와서 다들 지쳤어요. 정말 최악이에요.
S: 예약 누락으로 숙소가 만실이라 밤늦게 다른 숙소로 옮겨야 해 가족과 함께 온 고객이 매우 화가 남.
P: 고객님, 예약 정보가 숙소에 전달되지 않아 늦은 밤 가족분들과 숙소를 옮기시게 되어 정말 죄송합니다. 근처의 다른 숙소를 찾아 드리겠습니다.

### train_refund_q booking
C: KTX 표 출발 전에 취소하면 수수료 있나요?
 | 기차표 미리 취소하면 위약금 얼마예요?
A: 출발 하루 전까지는 무료이고, 당일은 출발 전까지 최대 10%입니다.
C: 앱에서 바로 취소되죠?
A: 네, 승차권 확인 화면에서 바로 반환 가능합니다.
C: 네 감사합니다.
 | 넵 알겠어요.
%neu
S: 기차표 취소 수수료를 문의해 하루 전까지 무료, 당일 최대 10%라는 안내를 받음. 중립적.

### store_rude none
C: 매장 직원분이 환불 요청하니까 대놓고 한숨 쉬시고 짜증을 내셨어요.
 | 오늘 매장에 교환하러 갔는데 직원분이 반말로 응대하셨어요.
A: 불쾌하셨을 텐데 정말 죄송합니다. 방문하신 매장과 시간을 알려 주시겠어요?
C: 강남점이요, 오후 4시쯤이요.
 | 홍대점이고 점심쯤이었어요.
A: 해당 매장 점장에게 전달해 사실 확인 후 조치하겠습니다.
%neg
C: 네. 그 매장은 다시 안 갈 것 같아요.
 | 꼭 조치해 주세요. 하루 종일 기분이 안 좋았어요.
S: 매장 직원이 불친절하게 응대해 고객이 불쾌함을 표함. 점장에게 전달하기로 했으나 고객은 여전히 불만족.
P: 고객님, 매장 직원의 불친절한 응대로 불쾌하셨을 텐데 진심으로 사과드립니다. 해당 매장 점장에게 전달해 사실을 확인한 뒤 조치하겠습니다.

### mixed_food none
@dish: 찜닭 ; 아귀찜 ; 감자탕
C: 오늘 시킨 {dish} 맛은 진짜 좋았어요.
 | {dish} 양념이 딱 제 입맛이었어요.
A: 감사합니다!
%pos
C: 양이 좀 적긴 했는데 맛있어서 다 용서돼요 ㅋㅋ 또 시킬게요.
S: {dish} 양이 조금 적었지만 맛이 좋아 고객이 전반적으로 만족함.
%neg
C: 근데 가격에 비해 양이 너무 적어요. 2인분이라면서 한 명 먹기에도 부족했어요. 이 가격이면 다음엔 안 시킬 것 같아요.
S: {dish} 맛은 좋았지만 2인분 양이 너무 적다며 고객이 가격 대비 불만족을 표함.
P: 고객님, 주문하신 {dish|이} 2인분이라는 안내에 비해 양이 너무 적어 실망하셨을 텐데 죄송합니다.

### shipping_sarcasm order
C: 와 배송 진짜 빠르네요. 주문한 지 일주일째 '배송 준비 중'이에요^^
 | 일주일째 상품 준비 중... 이 정도면 직접 만드시는 건가요?
~verify
A: 늦어져서 죄송합니다. 물건이 창고에 늦게 들어오고 있습니다.
C: 주문할 때는 당일 발송이라고 되어 있었는데요. 대단하십니다 정말.
 | 당일 발송이라고 써 놓고 일주일이요? 참 대단하네요.
A: 내일 출고 예정입니다.
%neg
C: 그 말 믿어도 되나요? 다음부턴 다른 데서 살게요.
 | 네네, 내일도 기대하고 있을게요^^
S: '당일 발송' 상품이 일주일째 배송 준비 중이라 고객이 비꼬며 불만을 표함. 내일 출고 예정.
P: 고객님, 당일 발송으로 안내된 상품이 일주일째 배송 준비 중이라 정말 죄송합니다. 상품은 내일 출고될 예정입니다.

### repeat_call_sarcasm line
C: 서비스 정말 최고네요^^ 같은 문제로 세 번째 전화하는데 매번 처음부터 설명하라고 하시네요.
 | 세 번째 문의인데 또 처음부터 말해야 하나요? 참 체계적이시네요.
A: 불편을 드려 죄송합니다. 이전 상담 내역을 확인해 보겠습니다.
C: 인터넷 속도가 계속 느린 거요. 기사님 두 번 왔다 가셨는데 그대로예요.
A: 확인했습니다. 이번에는 회선 교체 작업으로 접수하겠습니다.
%neg
C: 세 번째 접수네요. 이번에도 안 되면 위약금 없이 해지해 주세요.
S: 인터넷 속도 문제로 세 번째 문의한 고객이 반복 설명과 미해결에 비꼬며 불만을 표함. 회선 교체 접수.
P: 고객님, 같은 인터넷 속도 문제로 세 번째 문의하시게 하고 매번 처음부터 설명하시게 해 정말 죄송합니다. 이번에는 회선 교체 작업으로 접수하겠습니다.

### soft_fruit order
C: 안녕하세요. 괜히 번거롭게 해드리는 것 같아 죄송한데요, 이번에도 복숭아가 절반 넘게 물러서 왔어요.
 | 수고 많으십니다. 말씀드리기 조심스럽지만 과일 상태가 또 좋지 않았어요. 복숭아 여러 개가 멍들어 있었어요.
A: 불편을 드려 죄송합니다. 해당 상품 금액은 환불해 드리겠습니다.
C: 환불해 주셔서 감사해요. 다만 벌써 세 번째라 솔직히 많이 실망스럽네요. 포장을 좀 더 신경 써 주셨으면 해요.
 | 처리해 주신 건 감사합니다. 그래도 매번 이러니 다음 주문이 망설여지네요.
%neg
S: 복숭아가 물러서 도착한 일이 반복되어 환불을 받았지만 고객이 정중하게 실망을 표함.
P: 고객님, 복숭아가 또 상한 상태로 도착해 실망을 드려 정말 죄송합니다. 해당 상품 금액은 환불해 드리겠습니다.

### holiday_hours_q none
C: 설 연휴에도 영업하나요?
 | 추석 당일에도 문 여나요?
A: 명절 당일만 휴무이고 나머지 날은 정상 영업합니다.
C: 네 알겠습니다.
 | ㅇㅋ 감사합니다
%neu
S: 명절 연휴 영업 여부를 문의해 당일만 휴무라는 답을 받음. 중립적인 질문.

### points_q account
C: 적립금 얼마 있는지 확인 가능할까요?
 | 제 포인트 잔액 좀 알려 주세요
~verify
A: 현재 적립금은 12,300원입니다. 결제 시 1,000원 단위로 사용하실 수 있어요.
%neu
C: 네 알겠어요.
S: 적립금 잔액을 문의해 12,300원이 있다는 안내를 받음. 중립적인 문의.
%pos
C: 오 생각보다 많네요! 이번 주에 써야겠어요 ㅎㅎ 감사합니다
S: 적립금 잔액(12,300원)을 확인하고 생각보다 많다며 고객이 기뻐함.

### gift_wrap_q none
C: 선물 포장 되나요? 부모님 선물이에요.
 | 선물용으로 포장해서 보내 줄 수 있나요?
A: 네, 주문서에서 선물 포장을 선택하시면 2,000원에 포장해 드려요. 메시지 카드도 무료로 넣어 드립니다.
%neu
C: 네 주문할 때 선택할게요.
S: 선물 포장 가능 여부를 문의해 2,000원에 포장과 무료 메시지 카드가 가능하다는 안내를 받음. 중립적.
%pos
C: 메시지 카드까지요? 좋네요! 바로 주문할게요.
S: 선물 포장과 무료 메시지 카드가 가능하다는 안내에 고객이 기뻐하며 주문하기로 함.

### taxi_detour none
C: 택시 기사님이 길을 엄청 돌아가서 요금이 예상보다 두 배 나왔어요.
 | 앱에서 만 원 정도 나온다더니 2만원 넘게 결제됐어요. 일부러 돌아간 것 같아요.
A: 불편을 드려 죄송합니다. 운행 경로를 확인해 보니 실제로 우회한 것으로 확인됩니다.
%pos
A: 차액은 바로 환불해 드렸고 해당 기사님께는 경고 조치하겠습니다.
C: 빠르게 처리해 주셔서 감사합니다. 기분 좋게 마무리되네요!
S: 택시가 우회해 요금이 많이 나왔으나 차액이 바로 환불되어 고객이 만족함.
%neg
A: 다음 이용 시 사용 가능한 쿠폰으로 보상해 드리겠습니다.
C: 쿠폰 말고 차액 환불해 주세요. 이 앱 다시 쓸지 모르겠네요.
S: 택시 우회로 요금이 크게 나왔는데 쿠폰 보상만 안내받아 고객이 불만족함.
P: 고객님, 기사님이 길을 돌아가 요금이 예상보다 훨씬 많이 나와 정말 죄송합니다. 안내해 드린 대로 다음 이용 시 사용하실 수 있는 쿠폰으로 보상해 드리겠습니다.

### order_lost_transfer order
@hub: 대전 ; 옥천 ; 곤지암
C: 2주 전에 주문한 상품이 아직도 안 왔어요. 배송 조회도 열흘째 그대로고요.
 | 주문한 지 2주가 넘었는데 배송 조회가 열흘째 멈춰 있어요.
~verify!
A: 확인해 보니 물류센터에서는 정상 출고되었습니다. 택배 담당 부서로 연결해 드리겠습니다.
 | 물류센터 출고는 정상적으로 됐네요. 배송 담당 부서로 연결해 드릴게요.
A2: 안녕하세요, 배송 담당입니다. {hub} 터미널에서 마지막으로 스캔된 후 이동 기록이 없습니다.
 | 배송 담당자입니다. {hub} 터미널 스캔 이후로 기록이 멈춰 있네요.
C: 그럼 물건이 어디 있는 거예요?
 | 그럼 제 물건은 지금 어디 있는 건데요?
A2: 터미널에서 분실된 것으로 보여 분실 접수를 진행하겠습니다.
 | 터미널에서 분실된 것 같아 분실 건으로 접수해 드릴게요.
C: 얼마나 걸려요?
 | 그건 며칠 걸려요?
A2: 보통 3~5일 정도 소요되고, 이후 재발송이나 환불을 도와드립니다.
 | 3~5일 정도 걸리고, 그 뒤에 재발송이나 환불 중에 선택하실 수 있습니다.
%neg
C: 또 일주일 가까이 기다려야 한다는 거네요. 생일 선물이었는데 생일은 이미 지났어요. 정말 실망입니다.
S: 2주 전 주문이 {hub} 택배 터미널에서 분실되어 3~5일 분실 접수를 안내받음. 고객은 크게 실망함.
P: 고객님, 주문하신 상품이 {hub} 터미널에서 분실되어 제때 받지 못하셔서 정말 죄송합니다. 분실 접수는 3~5일 정도 걸리며, 그 뒤에 재발송이나 환불 중에서 선택하실 수 있습니다.
%pos
A2: 2주나 지났으니 분실 접수 없이 오늘 바로 재발송해 드리겠습니다. 내일 도착합니다.
C: 와 정말요? 감사합니다! 이렇게 빨리 처리해 주실 줄 몰랐어요.
S: {hub} 택배 터미널에서 분실된 주문을 분실 접수 없이 당일 재발송해 줌. 고객은 매우 만족함.

### subscription_praise none
C: 반찬 구독 3개월째인데 매주 메뉴가 바뀌어서 질리지가 않아요.
 | 반찬 정기구독 시작하고 나서 저녁 준비가 너무 편해졌어요.
A: 꾸준히 이용해 주셔서 감사합니다!
C: 특히 지난주 멸치볶음은 아이들이 싹 비웠어요. 계속 이용할게요.
%pos
S: 반찬 정기구독을 3개월째 이용 중인 고객이 다양한 메뉴와 편리함에 매우 만족함.

### delivery_address_q order
C: 주문한 거 배송지 회사로 바꿀 수 있나요?
 | 아직 출고 전이면 주소 변경 가능할까요?
~verify
A: 네, 아직 출고 전이라 변경 가능합니다. 새 주소 알려 주세요.
C: 서울 마포구 월드컵북로 400, 5층이요.
 | 성남시 분당구 판교역로 235, 3층 입니다.
A: 변경 완료되었습니다.
%neu
C: 네 감사합니다.
 | 넵.
S: 출고 전 주문의 배송지를 회사 주소로 변경 요청해 처리됨. 중립적인 요청.
"""
KO_SCENARIOS += r"""
### shipping_fee_q none
C: 배송비는 얼마예요? 무료배송 기준도 있나요?
 | 몇 만원 이상 사면 배송비 무료예요?
A: 기본 배송비는 3,000원이고 3만원 이상 주문하시면 무료입니다. 제주·도서산간은 추가 요금이 있어요.
 | 3만원 이상 구매 시 무료배송이고, 그 미만은 3,000원입니다.
%neu
C: 네 알겠습니다.
 | 아 넵
S: 배송비와 무료배송 기준을 문의해 3만원 이상 무료라는 안내를 받음. 중립적인 질문.

### parking_q none
@branch: 판교점 ; 일산점 ; 수원점
C: {branch}에 주차 가능한가요?
 | {branch} 방문하려는데 주차장 있어요?
A: 네, 건물 지하 주차장을 이용하시면 되고 구매 고객은 2시간 무료입니다.
 | 지하 2~4층이 주차장이고, 영수증 보여 주시면 2시간 무료예요.
%neu
C: 네 알겠습니다.
 | 넵 감사합니다
S: {branch} 주차 가능 여부를 문의해 구매 시 2시간 무료라는 안내를 받음. 중립적.

### allergy_q none
@dish: 팟타이 ; 닭강정 ; 월남쌈 ; 마파두부
C: {dish}에 땅콩 들어가나요? 아이가 알레르기가 있어서요.
 | 혹시 {dish}에 견과류 들어가요?
A: 네, 소스에 땅콩이 들어갑니다. 메뉴마다 알레르기 정보가 상세 페이지에 나와 있어요.
 | 네, 땅콩 가루가 들어갑니다. 알레르기 성분은 메뉴 상세에서 확인하실 수 있습니다.
%neu
C: 그럼 다른 걸로 시킬게요.
 | 아 그렇군요. 알려 주셔서 감사해요.
S: {dish}에 땅콩이 들어가는지 문의해 들어간다는 답을 받음. 중립적인 질문.

### option_change_q order
C: 주문한 상품 색상 옵션을 바꿀 수 있을까요? 아직 출고 전이에요.
 | 방금 주문했는데 사이즈를 잘못 골랐어요. 변경되나요?
~verify
A: 출고 전이라 변경 가능합니다. 원하시는 옵션을 말씀해 주세요.
C: 블랙 M으로 바꿔 주세요.
 | 아이보리 L로 부탁드려요.
A: 변경 완료했습니다.
%neu
C: 네 감사합니다.
 | 넵
S: 출고 전 주문의 옵션 변경을 요청해 바로 처리됨. 중립적인 요청.

### data_check_q line
C: 이번 달 데이터 얼마나 썼는지 어디서 봐요?
 | 남은 데이터 확인하는 방법 알려 주세요
A: 앱 첫 화면에서 바로 확인하실 수 있고, 114에 무료로 전화하셔도 안내받으실 수 있어요.
 | 고객센터 앱 메인 화면에 잔여 데이터가 표시됩니다.
C: 테더링으로 쓴 것도 같이 나오나요?
A: 네, 테더링 사용량도 포함되어 있습니다.
%neu
C: 네 알겠어요.
 | 아하 네
S: 데이터 사용량 확인 방법을 문의해 앱에서 확인 가능하다는 안내를 받음. 중립적.

### esim_q line
C: 지금 요금제로 eSIM 쓸 수 있나요?
 | 새 폰으로 바꾸는데 eSIM으로 개통 가능해요?
A: 네, 가능합니다. 새 휴대폰을 받으신 뒤 앱에서 eSIM 전환을 신청하시면 QR코드가 발급됩니다.
C: 기존 유심은 바로 안 되는 거죠?
A: 네, eSIM이 개통되는 순간 기존 유심은 사용이 중지됩니다.
%neu
C: 네 주말에 해 볼게요.
 | 알겠습니다.
S: 현재 요금제로 eSIM 사용이 가능한지 문의해 앱에서 전환 신청하면 된다는 안내를 받음. 중립적.

### hotel_checkin_q booking
C: 체크인이 몇 시부터예요? 일찍 도착하면 짐 맡길 수 있나요?
 | 오전에 도착하는데 체크인 전에 짐 보관되나요?
~verify
A: 체크인은 오후 3시부터이고, 짐은 오전 8시부터 프런트에 맡기실 수 있습니다.
%neu
C: 네 알겠습니다.
 | 넵 그렇게 할게요.
S: 체크인 시간과 짐 보관을 문의해 오후 3시 체크인, 오전 8시부터 짐 보관 가능하다는 답을 받음. 중립적.

### baggage_q booking
C: 기내 수하물 무게 제한이 어떻게 되나요?
 | 기내에 캐리어 몇 킬로까지 들고 탈 수 있어요?
A: 기내 수하물 1개 10kg까지, 그리고 노트북 가방 같은 개인 소지품 1개가 추가로 가능합니다.
C: 보조배터리도 기내에 가져가야 하죠?
A: 네, 보조배터리는 위탁 수하물로는 안 되고 기내에만 가능합니다.
%neu
C: 네 감사합니다.
 | 알겠어요.
S: 기내 수하물 무게 제한과 보조배터리 규정을 문의해 안내받음. 중립적인 질문.

### laptop_spec_q none
C: 이 노트북 램 나중에 추가할 수 있나요?
 | 14인치 모델 램 업그레이드 되나요?
A: 아쉽지만 메모리가 보드에 붙어 있는 온보드 방식이라 추가가 어렵습니다.
C: 그럼 16기가로 사는 게 낫겠네요?
A: 네, 여유 있게 쓰시려면 16GB를 권해 드립니다.
%neu
C: 네 참고할게요.
 | 알겠습니다.
S: 노트북 램 업그레이드 가능 여부를 문의해 온보드라 불가하다는 답을 받음. 중립적.

### return_period_q none
C: 단순 변심 반품도 되나요? 기간이 어떻게 돼요?
 | 마음에 안 들면 반품 가능한가요?
A: 상품 수령 후 7일 이내, 택을 떼지 않은 상태라면 가능합니다. 왕복 배송비는 고객 부담입니다.
%neu
C: 네 알겠어요.
 | 아 네 확인했습니다.
S: 단순 변심 반품 가능 여부를 문의해 수령 후 7일 이내 가능하다는 안내를 받음. 중립적.

### withdraw_points_q account
C: 회원 탈퇴하면 적립금은 어떻게 돼요?
 | 탈퇴하면 포인트 사라지나요?
A: 탈퇴 시 적립금은 모두 소멸되고 복구가 불가능합니다.
%neu
C: 그럼 다 쓰고 탈퇴할게요.
 | 네 알겠습니다.
S: 회원 탈퇴 시 적립금이 어떻게 되는지 문의해 소멸된다는 안내를 받음. 중립적.

### pay_method_q none
C: 카카오페이로 결제 돼요?
 | 네이버페이 결제 가능한가요?
A: 네, 결제 단계에서 선택하실 수 있습니다.
C: 할부도 되나요?
A: 간편결제는 카드사 할부 정책에 따라 가능합니다.
%neu
C: 네 알겠어요.
 | 넵
S: 간편결제 가능 여부와 할부를 문의해 가능하다는 안내를 받음. 중립적인 질문.

### pause_sub_q account
C: 구독 두 달만 멈춰 둘 수 있나요? 해외에 나가 있어서요.
 | 장기 출장이라 구독 일시정지 되나요?
A: 일시정지 기능은 없지만 해지 후 10개월 안에 재가입하시면 시청 기록과 프로필이 그대로 남아 있습니다.
%neu
C: 그럼 나가기 전에 해지할게요.
 | 아 네 알겠습니다.
S: 구독 일시정지를 문의해 정지는 불가하나 해지 후 10개월간 기록이 유지된다는 안내를 받음. 중립적.

### student_discount_q none
C: 학생 할인 있나요?
 | 대학생 할인 같은 거 있어요?
A: 네, 학교 이메일로 인증하시면 정가 상품 10% 할인이 적용됩니다.
%neu
C: 네 인증해 볼게요.
S: 학생 할인 여부를 문의해 학교 이메일 인증 시 10% 할인이 된다는 안내를 받음. 중립적.
%pos
C: 오 바로 인증했더니 적용됐어요! 감사합니다 ㅎㅎ
S: 학교 이메일 인증으로 학생 할인 10%가 바로 적용되어 고객이 기뻐함.

### wrong_colour order
@item: 후드티 ; 휴대폰 케이스 / 케이스 ; 백팩 ; 이불 세트 / 이불
@want: 네이비 / 베이지 ; 블랙 / 화이트 ; 카키 / 그레이
C: {item} {want.0|을} 주문했는데 {want.1|이} 왔어요.
 | {want.0}로 주문한 {item.1|이} {want.1}로 왔네요.
~verify
A: 죄송합니다. 출고 과정에서 색상이 잘못 나간 것 같습니다.
%neu
A: {want.0} 상품을 오늘 보내 드리고, 받으실 때 기사님이 잘못 간 상품을 회수해 가실 거예요.
C: 네 알겠습니다.
 | 네, 그렇게 해 주세요.
S: {want.0} 대신 {want.1} {item.1|이} 와서 맞교환을 진행하기로 함. 고객은 담담함.
%neg
A: {want.0} 색상은 현재 품절이라 환불만 가능합니다.
C: 그 색 사려고 일부러 일찍 주문했는데 잘못 보내 놓고 품절이라니요. 너무 실망이에요.
 | 제 잘못도 아닌데 원하는 색을 못 받는 거네요. 짜증 나요.
S: {want.0} 대신 {want.1} {item.1|이} 왔는데 품절이라 환불만 가능해 고객이 실망함.
P: 고객님, 주문하신 {want.0} 대신 {want.1} {item.1|이} 잘못 출고된 데다 {want.0} 색상이 품절되어 정말 죄송합니다. 환불로 처리해 드리겠습니다.
%pos
A: {want.0} 상품을 빠른 배송으로 보내 드렸고, 잘못 간 상품은 그냥 쓰셔도 됩니다.
C: 헐 정말요? 감사합니다! 오히려 좋네요 ㅎㅎ
S: 색상이 잘못 온 {item.1}에 대해 맞는 색을 빠른 배송으로 보내고 기존 상품도 가지게 해 줘 고객이 기뻐함.

### price_notice account
@service: 음악 스트리밍 / 음악 앱 ; 클라우드 저장 공간 / 클라우드 ; 동영상 구독 / 동영상 서비스
C: {service} 요금이 이번 달부터 왜 올랐어요? 안내받은 적이 없는데요.
 | 아무 공지도 없이 {service.1} 월 요금이 2천원 올랐네요.
A: 지난달 초에 이메일과 앱 알림으로 가격 변경을 안내드렸습니다.
C: 저는 받은 적 없어요. 스팸함도 봤어요.
%neg
A: 죄송하지만 변경된 요금은 모든 회원께 동일하게 적용됩니다.
C: 통보도 제대로 안 하고 올리는 건 좀 아니죠. 해지할게요.
 | 같은 서비스에 돈만 더 내라는 거네요. 기분 나쁘네요.
S: {service.1} 요금이 인상됐는데 안내를 받지 못한 고객이 불만을 표하며 해지를 고려함.
P: 고객님, {service.1} 요금 인상 안내를 받지 못하신 채 요금이 올라 불쾌하셨을 텐데 죄송합니다.
%pos
A: 안내가 누락된 점 죄송합니다. 고객님은 6개월 동안 기존 요금으로 이용하실 수 있도록 적용해 드렸습니다.
C: 오 그렇게까지 해 주시다니 감사합니다! 계속 쓸게요.
S: {service.1} 요금 인상 안내를 받지 못한 고객에게 6개월간 기존 요금을 적용해 줘 고객이 만족함.

### hotel_dirty booking
C: 방에 들어왔는데 침대 시트에 머리카락이 있고 욕실도 청소가 안 되어 있어요.
 | 객실 상태가 너무 안 좋아요. 쓰레기통도 안 비워져 있고 수건도 젖어 있어요.
~verify
A: 정말 죄송합니다. 바로 하우스키핑 팀을 올려 보내겠습니다.
%neg
C: 이미 밤 10시예요. 지금 청소한다고 기다리라고요? 너무 피곤한데 정말 실망이에요.
A: 다른 객실은 현재 만실이라 청소로 도와드리겠습니다.
C: 이 가격에 이런 방이라니 다시는 안 올 것 같아요.
S: 객실 청소 상태가 불량해 밤늦게 청소를 기다려야 하는 고객이 크게 실망함.
P: 고객님, 청소가 제대로 되지 않은 객실을 배정해 드려 늦은 밤까지 기다리시게 해 정말 죄송합니다. 하우스키핑 팀이 바로 객실을 청소해 드리겠습니다.
%pos
A: 같은 가격으로 바로 윗층 스위트룸으로 옮겨 드리겠습니다. 짐은 직원이 옮겨 드릴게요.
C: 와 방이 훨씬 좋네요! 빠르게 처리해 주셔서 감사해요.
S: 청소가 안 된 객실 대신 스위트룸으로 무료 업그레이드되어 고객이 만족함.

### activation_delay line
C: 번호이동 신청한 지 사흘째인데 아직 개통이 안 됐어요.
 | 새 유심 받았는데 3일째 '서비스 안 됨'으로 떠요.
~verify!
A: 확인해 보니 이전 통신사에서 번호이동 승인이 지연되고 있습니다.
%neg
A: 48시간 안에 처리될 예정입니다.
C: 그제도 똑같이 말씀하셨어요. 업무 전화를 계속 못 받고 있어요. 정말 답답합니다.
S: 번호이동 승인 지연으로 사흘째 개통이 안 된 고객이 같은 안내만 반복되자 매우 답답해함.
P: 고객님, 이전 통신사의 번호이동 승인 지연으로 사흘째 개통이 되지 않아 정말 죄송합니다. 번호이동은 48시간 안에 처리될 예정입니다.
%pos
A: 제가 직접 이전 통신사에 요청해 방금 처리되었습니다. 휴대폰을 재부팅해 주세요.
C: 됐어요! 신호 잡혀요. 정말 감사합니다.
S: 번호이동 지연으로 개통이 안 됐으나 상담사가 직접 처리해 바로 개통됨. 고객은 매우 고마워함.

### coupon_restore account
C: 결제 오류가 났는데 쿠폰만 사용 처리되고 주문은 안 됐어요.
 | 주문 실패했는데 쿠폰이 사라졌어요
~verify
A: 확인해 보니 결제 실패 건에 쿠폰이 묶여 있었습니다. 방금 복구해 드렸습니다.
%pos
C: 다시 보이네요! 빠르게 복구해 주셔서 감사합니다.
 | 오 바로 됐네요. 친절하게 해 주셔서 감사해요 ㅎㅎ
S: 결제 오류로 사라진 쿠폰을 바로 복구해 줘 고객이 만족함.
%neu
C: 네 확인했습니다.
S: 결제 실패로 사용 처리된 쿠폰을 복구해 줌. 고객은 담담하게 확인함.

### luggage_damage booking
C: 위탁 수하물로 보낸 캐리어 바퀴가 하나 부러져서 나왔어요.
 | 도착해서 보니 캐리어 손잡이가 완전히 망가져 있어요.
~verify
A: 불편을 드려 죄송합니다. 파손 사진과 탑승권을 보내 주시면 보상 접수해 드리겠습니다.
%neg
C: 보냈어요. 산 지 두 달 된 건데 너무 속상하네요. 공항에서는 7일 안에 연락 준다고만 하고요.
 | 사진 보냈어요. 이런 일이 생겼는데 접수만 하고 기다리라니 화가 나요.
S: 위탁 수하물 캐리어가 파손되어 보상 접수를 했으나 고객은 속상하고 불만족함.
P: 고객님, 위탁하신 캐리어가 파손되어 정말 죄송합니다. 보내 주신 사진으로 보상 접수를 진행해 드리겠습니다.

### callback_broken line
C: 어제 오후에 전화 준다고 하셔서 기다렸는데 아무 연락이 없었어요.
 | 24시간 안에 연락 준다던 상담 예약이 이틀째 소식이 없네요.
~verify!
A: 죄송합니다. 콜백 요청이 담당자에게 배정되지 않은 상태였습니다.
%neg
C: 반차까지 쓰고 기다렸는데요. 벌써 두 번째예요. 정말 어이가 없네요.
S: 약속된 콜백이 두 번째 누락되어 반차까지 쓰고 기다린 고객이 매우 화가 남.
P: 고객님, 약속드린 콜백이 담당자에게 배정되지 않아 두 번이나 기다리시게 해 드려 정말 죄송합니다.
%neu
A: 지금 채팅으로 바로 답변드려도 될까요?
C: 네 그렇게 해 주세요.
S: 약속된 콜백이 누락되어 채팅으로 바로 상담을 이어 가기로 함. 고객은 담담함.

### hotel_staff_praise booking
@city: 강릉 ; 경주 ; 여수 ; 전주
C: {city} 호텔에서 2박 하고 왔는데 직원분들이 너무 친절하셨어요.
 | 지난 주말 {city} 지점 숙박했는데 프런트 직원분 덕분에 여행이 더 즐거웠어요.
A: 좋은 말씀 감사합니다! {city} 지점에 꼭 전달하겠습니다.
C: 아이 생일이라고 했더니 작은 케이크까지 준비해 주셨어요. 다음에도 꼭 갈게요.
 | 맛집 추천까지 꼼꼼하게 해 주셨어요. 또 가고 싶어요!
%pos
S: {city} 호텔 직원들의 친절한 응대에 고객이 감동하며 재방문 의사를 밝힘. 매우 만족함.

### train_crew_praise none
C: 오늘 아침 KTX에서 승무원분이 휠체어 타신 저희 어머니를 내릴 때까지 도와주셨어요.
 | 기차에서 짐이 많아 힘들었는데 승무원분이 선반에 올려 주시고 내릴 때도 도와주셨어요.
A: 따뜻한 말씀 감사합니다. 해당 승무원에게 꼭 전달하겠습니다.
C: 덕분에 편하게 도착했어요. 감사하다고 꼭 전해 주세요.
%pos
S: 기차 승무원이 도움이 필요한 승객을 끝까지 도와줘 고객이 깊이 감사해함.

### fruit_praise none
C: 이번에 받은 샤인머스캣 정말 달고 알도 커요!
 | 사과 주문했는데 하나같이 아삭하고 맛있어요.
A: 맛있게 드셨다니 기쁩니다! 농장에도 전해 드릴게요.
C: 부모님 댁에도 보내 드리려고요. 또 주문할게요.
%pos
S: 주문한 과일이 달고 신선해 고객이 만족하며 재주문 의사를 밝힘.

### phone_shop_praise none
C: 매장 직원분이 새 폰으로 사진이랑 연락처까지 다 옮겨 주셨어요.
 | 아버지 휴대폰 바꾸러 갔는데 직원분이 사용법까지 천천히 알려 주셨어요.
A: 만족스러우셨다니 다행입니다! 매장에 꼭 전하겠습니다.
C: 어르신이라 걱정했는데 정말 친절하셨어요. 감사합니다.
%pos
S: 휴대폰 매장 직원이 데이터 이전과 사용법 안내를 친절하게 해 줘 고객이 매우 만족함.
"""
KO_SCENARIOS += r"""
### rider_rain_praise none
C: 비 엄청 오는데 라이더님이 음식 젖지 않게 비닐로 한 번 더 싸서 주셨어요.
 | 폭우 속에서도 라이더분이 음식 하나도 안 젖게 가져다주셨어요. 감동이에요.
A: 따뜻한 말씀 감사합니다! 라이더님께 꼭 전해 드릴게요.
 | 좋은 말씀 감사해요. 라이더님도 기뻐하실 거예요!
C: 꼭 전해 주세요. 덕분에 따뜻하게 잘 먹었어요.
 | 감사하다고 전해 주세요. 다음에도 여기서 시킬게요.
%pos
S: 폭우 속에서도 음식을 젖지 않게 배달한 라이더에게 고객이 감사와 칭찬을 전함. 매우 만족함.

### loyalty_discount line
C: 이 통신사 10년째 쓰고 있는데 장기 고객 혜택 같은 건 없나요?
 | 오래 썼는데 요금 할인받을 방법 없을까요? 약정 끝났거든요.
~verify!
A: 확인해 보니 장기 고객 할인 대상이십니다. 오늘부터 월 요금 15% 할인과 데이터 쿠폰을 적용해 드렸습니다.
%pos
C: 와 진짜요? 물어보길 잘했네요. 감사합니다!
 | 오 생각도 못 했는데 감사해요. 계속 쓸게요 ㅎㅎ
S: 장기 고객 혜택을 문의해 요금 15% 할인과 데이터 쿠폰을 받아 고객이 기뻐함.
%neu
C: 네 알겠습니다.
S: 장기 고객 혜택을 문의해 요금 15% 할인과 데이터 쿠폰이 적용됨. 고객은 담담하게 확인함.

### seat_change_praise booking
C: 내일 비행기 아이랑 떨어져 앉게 배정됐는데 같이 앉을 수 있을까요?
 | 좌석이 가족끼리 다 흩어져 있어요. 아이가 아직 어려서요.
~verify!
A: 확인해 보니 나란히 앉으실 수 있는 좌석이 있어 무료로 변경해 드렸습니다. 모바일 탑승권을 다시 확인해 주세요.
%pos
C: 확인했어요! 걱정 많이 했는데 정말 감사합니다.
 | 나란히 됐네요. 친절하게 도와주셔서 감사해요!
S: 어린 자녀와 떨어져 배정된 좌석을 무료로 나란히 변경해 줘 고객이 매우 고마워함.
%neu
C: 네 확인했습니다.
S: 자녀와 떨어진 좌석을 나란히 앉도록 변경해 줌. 고객은 짧게 확인함.

### agent_praise_after account
C: 아까 전화로 도와주신 상담사님 성함을 몰라서요. 결제 오류를 한 번에 해결해 주셨어요.
 | 오전에 통화한 상담사분께 감사 인사 전하고 싶어요. 며칠 동안 못 풀던 문제를 10분 만에 해결해 주셨어요.
A: 좋은 말씀 감사합니다. 통화 기록으로 확인해 해당 상담사에게 꼭 전달하겠습니다.
C: 네, 정말 친절하고 설명도 쉬웠어요. 감사합니다!
%pos
S: 전화 상담사가 결제 문제를 빠르게 해결해 줘 고객이 감사 인사를 전함. 매우 만족함.

### soup_leak order
C: 국물이 다 새서 봉투가 흥건해요. 바닥에도 흘렀어요.
 | 포장 뚜껑이 제대로 안 닫혀서 국물이 반은 쏟아져 왔어요.
~verify
A: 죄송합니다. 사진 보내 주시면 확인 후 환불 도와드리겠습니다.
C: 보냈어요.
%neg
A: 확인했습니다. 해당 메뉴 금액 환불해 드렸습니다.
C: 환불은 됐는데 저녁도 못 먹고 바닥 닦느라 기분 다 망쳤어요. 포장 좀 제대로 해 주세요.
 | 매번 국물 있는 거 시키면 이러네요. 다음부턴 안 시키려고요.
S: 포장 불량으로 국물이 새서 환불을 받았지만 고객은 식사를 망쳐 불만족함.
P: 고객님, 포장이 제대로 닫히지 않아 국물이 새고 식사를 망치게 해 드려 정말 죄송합니다. 해당 메뉴 금액은 환불해 드렸습니다.
%pos
A: 확인했습니다. 환불해 드렸고, 새로 조리해서 다시 보내 드릴게요.
C: 새로 온 건 멀쩡하네요. 빨리 챙겨 주셔서 감사해요!
S: 국물이 샌 음식을 환불하고 새로 보내 줘 고객이 만족함.

### cancel_refused order
C: 주문한 지 5분밖에 안 됐는데 취소가 안 된대요.
 | 방금 주문한 거 취소하려는데 앱에서 취소 버튼이 안 눌려요.
~verify!
A: 확인해 보니 매장에서 이미 조리를 시작해 취소가 어렵습니다.
%neg
C: 5분 만에요? 주소를 잘못 넣어서 그런 건데 방법이 없다고요? 너무 황당하네요.
 | 잘못 누른 건데 5분도 안 돼서 취소가 안 된다니 말이 되나요.
S: 주문 5분 만에 취소를 요청했으나 조리 시작으로 취소가 불가해 고객이 황당해함.
P: 고객님, 주문 5분 만에 취소를 요청하셨는데 이미 조리가 시작되어 취소해 드리지 못해 죄송합니다.
%neu
A: 다만 배달 주소 변경은 가능합니다. 바꿔 드릴까요?
C: 네, 그럼 회사 주소로 바꿔 주세요.
S: 조리가 시작되어 취소는 불가했지만 배달 주소를 변경해 줌. 고객은 담담하게 수용함.
"""
EN_SCENARIOS += r"""
### soundbar_no_sound none
C: I've connected my new soundbar to the TV but there's no sound coming out of it.
 | new soundbar, plugged into the TV, total silence
A: Let's sort that out. Which HDMI port on the TV is the cable in?
 | Happy to help. Can you tell me which TV HDMI port you used?
C: HDMI 1.
 | the first one, HDMI 1
A: The soundbar needs the port marked "ARC", which on most TVs is HDMI 2. Could you move the cable there?
 | On that TV the audio return port is HDMI 2, labelled ARC. Please switch the cable to it.
C: Moved it. Still nothing.
 | ok swapped. no sound yet
A: Now open the TV's Sound settings and set the output to "HDMI ARC" instead of "TV speakers".
 | Next, in Settings > Sound > Output, choose "HDMI ARC" rather than the TV speakers.
C: Found it, changed it.
 | done, changed the output
A: Lastly, check that "HDMI-CEC" is switched on under General settings.
 | And one more: turn on HDMI-CEC in the General menu.
%pos
C: That did it! Sound is coming through the soundbar now.
 | YES, it works now, sounds amazing
A: Great! The TV remote should control the soundbar volume too.
C: It does. Thanks, you've been really helpful, I'd never have found those settings.
 | Perfect. Thanks so much for walking me through it!
S: Customer's new soundbar had no sound; moving to the ARC port and changing the TV's output settings fixed it, and the customer is happy.
%neg
C: It was already on. Still no sound at all.
 | it's on. nothing. still silent
A: Then the soundbar may have a fault. You can return it within 30 days for an exchange.
 | In that case it could be a faulty unit. It can be exchanged within 30 days.
C: So I've wasted my evening on settings for a broken product. Brilliant.
 | I've spent an hour on this and now I have to take it back. Really fed up.
S: Customer's new soundbar gives no sound even after changing ports and settings; offered an exchange, the customer is fed up.
P: We're sorry your new soundbar still has no sound after you changed the port and every setting. It may be faulty, so you can exchange it within 30 days.

### strike_rebook booking
@day: Thursday ; Friday ; Monday
C: My train on {day} is cancelled because of the strike. What are my options?
 | just saw the strike on {day} cancels my train. what can I do?
~verify
A: You can use your ticket on the day before or the day after, or claim a full refund.
 | Your ticket is valid the day before and the day after, or you can get a full refund.
C: If I travel the day before, do I need to book a new seat?
 | can I get a seat reservation if I go a day earlier?
A: The ticket is valid without a reservation, but I can add a free seat reservation for you.
 | No need, the ticket is accepted, though I can reserve you a seat for free.
C: Yes please, the 17:30 if possible.
 | the 17:30 would be best
A: Done, coach C, seat 42. The reservation is in your email.
 | You're in coach C, seat 42. Details have been emailed.
C: And if the strike is called off, is my original train back on?
 | what if the strike gets cancelled?
A: Yes, then your original booking stands too, and you can choose either.
 | Then both trains are valid and you can pick whichever suits you.
%neu
C: OK, understood. Thanks.
 | alright, that's clear
S: Customer's {day} train was cancelled by a strike; agent explained the options and reserved a seat the day before. Neutral.

### washer_error none
C: My washing machine stopped mid-cycle and shows error E21.
 | washing machine showing E21 and the drum is full of water
A: Sorry about that. E21 means it can't drain. Could you switch it off at the wall first?
 | I'm sorry. E21 is a drainage error. Please turn it off and unplug it before we start.
C: Done.
 | ok it's off
A: Behind the small flap at the bottom front there's a drain filter. Put a towel down, then unscrew it slowly to let the water out.
 | At the bottom right there's a little hatch with the drain filter. With a towel underneath, turn it slowly anticlockwise.
C: Water's coming out... ok, it's drained. There was a sock and a hair clip in there.
 | done, loads of water. found a coin and a sock in the filter
A: That'll be the culprit. Rinse the filter, screw it back tightly, and run a rinse and spin.
 | That's the blockage. Clean it, refit it firmly, then try a rinse and spin programme.
%pos
C: It's spinning and draining normally now. Thank you so much, you saved me a callout!
 | All working again. Really appreciate the help, that was easy in the end.
S: Washing machine showed error E21; the customer cleared a blocked drain filter with the agent's help and is very pleased.
%neg
C: Ran the rinse and the same error came back straight away.
 | tried it and E21 again after a minute
A: Then the drain pump may be faulty. An engineer can come next Wednesday.
 | It's likely the pump then. Our first engineer visit is next Wednesday.
C: A week with no washing machine and two kids. That's really not good enough.
 | Next Wednesday? I've got a drum full of wet clothes. Not happy at all.
S: Washing machine still shows E21 after the filter was cleaned; the engineer can only come next week and the customer is unhappy.
P: We're sorry your washing machine still shows E21 even after you cleared the filter. The earliest engineer visit is next Wednesday.
"""

KO_SCENARIOS += r"""
### washer_error_ko none
C: 세탁기가 돌다가 멈추고 화면에 OE라고 떠요.
 | 세탁기에 OE 에러가 뜨고 물이 안 빠져요.
A: 불편을 드려 죄송합니다. OE는 배수가 안 될 때 뜨는 표시예요. 먼저 전원을 꺼 주시겠어요?
 | 확인해 드릴게요. OE는 배수 문제 코드입니다. 우선 전원부터 꺼 주세요.
C: 껐어요.
 | 네 껐습니다.
A: 세탁기 앞쪽 아래에 작은 덮개가 있는데, 그 안에 배수 필터가 있어요. 수건을 깔고 천천히 돌려서 빼 주세요.
 | 본체 오른쪽 아래 덮개를 열면 배수 필터가 보여요. 물이 나오니 수건 깔고 천천히 풀어 주세요.
C: 물이 엄청 나오네요... 다 빠졌어요. 안에서 동전이랑 머리끈이 나왔어요.
 | 물 다 뺐어요. 필터에 양말 한 짝이 껴 있었어요.
A: 그게 원인이었던 것 같아요. 필터를 헹궈서 꽉 잠그신 다음 헹굼+탈수를 돌려 보세요.
 | 그것 때문에 막혔던 거예요. 필터를 씻어서 다시 끼우고 탈수만 한번 돌려 보세요.
%pos
C: 이제 물 잘 빠지고 탈수도 돼요! 기사님 부를 뻔했는데 정말 감사합니다.
 | 정상으로 돌아왔어요. 친절하게 알려 주셔서 감사해요!
S: 세탁기 OE 에러가 배수 필터 막힘 때문이었고, 안내에 따라 직접 청소해 해결됨. 고객은 매우 만족함.
%neg
C: 돌려 봤는데 1분도 안 돼서 또 OE 떠요.
 | 다시 해 봤는데 똑같이 에러가 나요.
A: 그럼 배수 펌프 이상일 수 있어 기사 방문이 필요합니다. 가장 빠른 날짜는 다음 주 화요일이에요.
C: 애들 있는 집에서 일주일 동안 빨래를 못 하라고요? 너무 답답하네요.
 | 젖은 빨래가 그대로 있는데 다음 주라니요. 정말 불편합니다.
S: 필터 청소 후에도 세탁기 OE 에러가 반복되어 기사 방문이 다음 주로 잡히자 고객이 답답해함.
P: 고객님, 필터를 청소하신 뒤에도 세탁기에 OE 에러가 계속 떠 불편을 드려 정말 죄송합니다. 가장 빠른 기사 방문 날짜는 다음 주 화요일입니다.

### family_bundle_q line
C: 가족 결합 할인 받으려면 어떻게 해야 하나요?
 | 가족들 휴대폰이랑 인터넷 묶으면 할인되나요?
~verify
A: 네, 가족 2명 이상이 저희 휴대폰을 쓰시고 인터넷이 있으면 결합 할인이 됩니다.
 | 가족 회선이 두 개 이상이고 인터넷을 함께 쓰시면 결합 할인 대상이에요.
C: 부모님이랑 주소가 달라도 되나요?
 | 부모님은 따로 사시는데 괜찮아요?
A: 네, 가족관계증명서로 확인되면 주소가 달라도 됩니다.
 | 가족관계만 서류로 확인되면 주소는 상관없습니다.
C: 할인은 얼마나 되나요?
 | 얼마 정도 할인돼요?
A: 회선 수에 따라 다르지만 인터넷 요금 기준 월 5천원부터 최대 1만 5천원까지입니다.
 | 회선이 많을수록 커지고, 인터넷 요금에서 월 5천원에서 1만 5천원 정도 빠집니다.
C: 신청은 온라인으로 되나요?
 | 매장 가야 해요?
A: 앱의 '결합 신청' 메뉴에서 서류를 올리시면 됩니다. 처리에 2~3일 걸려요.
 | 매장 방문 없이 앱에서 서류를 첨부해 신청하시면 2~3일 안에 처리됩니다.
%neu
C: 네 알겠습니다. 서류 준비해서 해 볼게요.
 | 네 정리가 됐네요. 신청해 볼게요.
S: 가족 결합 할인 조건, 할인 금액, 온라인 신청 방법을 문의해 안내받음. 중립적인 문의.
"""

# Very short chats, written one by one (used once each): (language, sentiment, turns, summary,
# apology).
SHORTS = [
    ("en", 0, [("A", "Your order is out for delivery and should be with you before 6."),
               ("C", "ok thanks")],
     "Customer was told their order is out for delivery before 6pm; neutral acknowledgement.",
     None),
    ("en", 0, [("C", "whats the wifi password in the café"),
               ("A", "It's printed at the bottom of your receipt."), ("C", "found it")],
     "Customer asked for the café wifi password; it's printed on the receipt. Neutral.", None),
    ("en", 1, [("C", "THANK YOU!!! the replacement arrived and it works perfectly 🎉")],
     "Customer is delighted that the replacement arrived and works perfectly.", None),
    ("en", -1, [("C", "third time asking. where is my refund.")],
     "Customer is chasing a refund for the third time with no answer; frustrated.",
     "We're sorry you've had to ask three times about your refund without getting an answer."),
    ("en", 0, [("C", "do u deliver on sundays"), ("A", "Yes, from 11 until 8."), ("C", "k")],
     "Customer asked whether there are Sunday deliveries; yes, 11 to 8. Neutral.", None),
    ("en", 1, [("C", "driver was lovely today, please tell him thanks 😊")],
     "Customer praised a friendly delivery driver and asked for thanks to be passed on; happy.",
     None),
    ("en", -1, [("C", "Your app took my money and then said payment failed. So which is it?"),
                ("A", "I'm checking that for you now."),
                ("C", "Hurry up please, I've got a train to catch and no ticket.")],
     "App charged the customer but reported a failed payment, leaving them without a ticket; "
     "customer is stressed and annoyed.",
     "We're sorry the app took your payment and then told you it had failed, just when you need a ticket for your train. We're checking the payment for you now."),
    ("en", 0, [("C", "Is the navy cardigan back in stock in medium?"),
               ("A", "Not yet, it's expected next week."), ("C", "Ok, I'll check back.")],
     "Customer asked whether the navy cardigan is back in medium; expected next week. Neutral.",
     None),
    ("en", 1, [("C", "Just wanted to say your support team sorted my issue in 5 minutes. "
                     "Impressive!")],
     "Customer praised the support team for fixing their issue in five minutes; very satisfied.",
     None),
    ("en", -1, [("C", "CANCEL MY ACCOUNT. I'M DONE."),
                ("A", "I'm sorry to hear that. Can I ask what went wrong?"),
                ("C", "EVERYTHING. THREE LATE DELIVERIES IN A ROW.")],
     "Customer wants to close their account, angry after three late deliveries in a row.",
     "We're sorry your last three deliveries in a row all arrived late."),
    ("en", 0, [("A", "I've sent the invoice to your email."), ("C", "got it, thx")],
     "Agent emailed an invoice and the customer confirmed receipt. Neutral.", None),
    ("en", 1, [("C", "best customer service ever, honestly ❤️")],
     "Customer says the customer service is the best they've had; very happy.", None),
    ("en", -1, [("C", "still no response to my email from last week. terrible support.")],
     "Customer's email from last week is still unanswered; they are unhappy with support.",
     "We're sorry your email from last week still hasn't had a reply."),
    ("en", 0, [("C", "what time does the click and collect counter close?"), ("A", "8pm."),
               ("C", "👍")],
     "Customer asked when the click-and-collect counter closes; 8pm. Neutral.", None),
    ("en", -1, [("C", "the app logged me out again and emptied my basket. 3rd time today 🙄"),
                ("A", "Sorry about that, we're looking into it."), ("C", "Sure you are.")],
     "App keeps logging the customer out and emptying their basket; they're sarcastic and "
     "annoyed.",
     "We're sorry the app logged you out again and emptied your basket, three times in one day."),
    ("en", 1, [("C", "The ramen kit was so good my partner asked me to order three more 😂 "
                     "thanks!")],
     "Customer loved the ramen kit so much they're ordering three more; very happy.", None),
    ("en", 0, [("C", "can i pay with paypal"), ("A", "Yes, it's one of the options at checkout."),
               ("C", "ok")],
     "Customer asked whether PayPal is accepted; it is. Neutral.", None),
    ("en", -1, [("C", "Never ordering from here again. The chicken was raw in the middle.")],
     "Customer received undercooked chicken and says they won't order again; angry.",
     "We're very sorry the chicken in your meal was raw in the middle."),
    ("en", 1, [("C", "Refund landed already, that was speedy. Cheers!")],
     "Customer is pleased their refund arrived quickly.", None),
    ("en", 0, [("C", "what's the returns window for sale items?"),
               ("A", "14 days, the same as full-price items."), ("C", "thanks")],
     "Customer asked about the returns window for sale items; 14 days. Neutral.", None),
    ("en", -1, [("C", "my oder still hasnt arived and its been 2 weeks. this is rediculous")],
     "Customer's order hasn't arrived after two weeks; they are angry.",
     "We're sorry your order still hasn't arrived after two weeks."),
    ("en", 1, [("C", "thx soooo much for sortng the address mixup, ur a star")],
     "Customer thanks the agent warmly for fixing an address mix-up; very happy.", None),
    ("en", 0, [("C", "HI, DO YOU SHIP TO IRELAND?"), ("A", "Yes, it takes 3-5 working days."),
               ("C", "OK THANK YOU")],
     "Customer asked whether orders ship to Ireland; yes, 3-5 working days. Neutral.", None),
    ("en", -1, [("C", "I'm sorry to say the replacement is faulty as well. Quite disappointed, "
                      "to be honest.")],
     "Customer's replacement item is also faulty; they are politely disappointed.",
     "We're sorry the replacement you received is faulty as well."),
    ("en", 0, [("C", "The parcel came, box a bit dented but everything inside is fine."),
               ("A", "Glad it's all okay!"), ("C", "Yep, no harm done.")],
     "Parcel arrived with a dented box but the contents are fine; customer is unbothered.",
     None),
    ("ko", 0, [("A", "주문하신 상품은 오늘 출고됩니다."), ("C", "네 감사합니다")],
     "주문 상품이 오늘 출고된다는 안내에 고객이 짧게 확인함. 중립적.", None),
    ("ko", 1, [("C", "사장님 오늘도 맛있게 잘 먹었습니다 ㅎㅎ 최고예요 👍")],
     "고객이 오늘 음식도 맛있었다며 사장님께 감사와 칭찬을 전함. 매우 만족함.", None),
    ("ko", -1, [("C", "세 번째 문의인데 아직도 답이 없네요. 장난하세요?")],
     "세 번이나 문의했는데 답변이 없어 고객이 화가 남.",
     "고객님, 세 번이나 문의하셨는데 아직 답변을 드리지 못해 정말 죄송합니다."),
    ("ko", 0, [("C", "배달 가능 지역인가요? 역삼동이요"), ("A", "네 가능합니다."), ("C", "넵")],
     "역삼동이 배달 가능 지역인지 문의해 가능하다는 답을 받음. 중립적.", None),
    ("ko", 1, [("C", "상담사님 덕분에 해결됐어요 ㅠㅠ 진짜 감사해요")],
     "상담사 덕분에 문제가 해결되어 고객이 매우 고마워함.", None),
    ("ko", -1, [("C", "환불 언제 해줘요 ㅡㅡ 벌써 3주째예요")],
     "3주째 환불을 받지 못해 고객이 짜증을 냄.",
     "고객님, 환불이 3주째 처리되지 않아 정말 죄송합니다."),
    ("ko", 0, [("C", "영수증 재발행 되나요?"), ("A", "네, 주문 내역에서 재발행 가능합니다."),
               ("C", "ㅇㅋ 감사요")],
     "영수증 재발행 방법을 문의해 주문 내역에서 가능하다는 안내를 받음. 중립적.", None),
    ("ko", 1, [("C", "받자마자 기분 좋아지는 택배였어요. 손편지까지 감사합니다 💕")],
     "손편지까지 들어 있던 택배에 고객이 감동하며 감사를 전함. 매우 만족함.", None),
    ("ko", -1, [("C", "앱 업데이트하고 나서 로그인이 아예 안 돼요. 벌써 이틀째예요.")],
     "앱 업데이트 후 이틀째 로그인이 되지 않아 고객이 불편을 호소함.",
     "고객님, 앱 업데이트 후 이틀째 로그인이 되지 않아 불편을 드려 정말 죄송합니다."),
    ("ko", 0, [("C", "현금영수증 발급 가능한가요"), ("A", "네, 결제 단계에서 신청 가능합니다."),
               ("C", "네")],
     "현금영수증 발급 가능 여부를 문의해 결제 단계에서 신청할 수 있다는 답을 받음. 중립적.", None),
    ("ko", -1, [("C", "주문 취소해 주세요!!! 한 시간째 조리 중이라고만 뜨잖아요!!!")],
     "한 시간째 조리 중으로만 표시되어 고객이 화가 나 주문 취소를 요구함.",
     "고객님, 주문하신 음식이 계속 조리 중으로만 표시되어 오래 기다리시게 해 정말 죄송합니다."),
    ("ko", 1, [("C", "생일 선물로 보낸 향수 친구가 너무 좋아했대요! 포장도 예뻤고요 ㅎㅎ")],
     "선물로 보낸 향수와 포장을 친구가 매우 좋아해 고객이 만족함.", None),
    ("ko", 0, [("C", "배송 몇일 걸려요?"), ("A", "보통 1~2일 걸립니다."), ("C", "넹")],
     "배송 기간을 문의해 보통 1~2일 걸린다는 답을 받음. 중립적.", None),
    ("ko", -1, [("C", "쿠폰 적용이 안되요. 결제 세번 다시했는데 계속 오류나요 진짜 짜증나네")],
     "쿠폰이 적용되지 않아 결제를 여러 번 시도한 고객이 짜증을 냄.",
     "고객님, 쿠폰이 적용되지 않아 결제를 세 번이나 다시 시도하시게 해 정말 죄송합니다."),
    ("ko", 1, [("C", "교환 신청 하루 만에 처리됐네요. 빠른 처리 감사합니다!")],
     "교환 신청이 하루 만에 처리되어 고객이 만족하며 감사를 전함.", None),
    ("ko", 0, [("C", "상자가 좀 찌그러져서 왔는데 내용물은 멀쩡해요."),
               ("A", "다행입니다. 불편을 드려 죄송합니다."), ("C", "네 괜찮아요.")],
     "상자가 찌그러져 왔지만 내용물은 멀쩡해 고객이 괜찮다고 함. 중립적.", None),
]


# --------------------------------------------------------------------------------------------
# Engine: parse the scenario text, render variants, select a balanced, de-duplicated set.
# --------------------------------------------------------------------------------------------

SEED = 20250611
TARGET_PER_LABEL = {"en": 93, "ko": 62}  # 279 English + 186 Korean = 465 (60/40)
MAX_PER_ARC = 4  # at most this many variants of one scenario ending
MAX_SIMILARITY = 0.4  # Jaccard of shingles: a candidate closer than this to a kept chat is dropped

_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)(?:\.(\d))?(?:\|([^}]+))?\}")
_TURN = re.compile(r"^(C|A2|A)(?:\?(\w))?:\s*(.*)$")
_LABELS = {"neg": -1, "neu": 0, "pos": 1}


def parse(text, lang):
    """Parses one language's scenario block into a list of scenario dicts."""
    scenarios = []
    cur = None
    target = None  # the list the next ' | ' alternative is appended to
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.lstrip().startswith("#!"):
            continue
        if line.startswith("### "):
            name, kind = line[4:].split()[:2]
            cur = {"lang": lang, "name": name, "kind": kind, "slots": {}, "base": [],
                   "arcs": {}}
            scenarios.append(cur)
            section = cur["base"]
            target = None
            continue
        stripped = line.strip()
        if stripped.startswith("| "):
            target.append(stripped[2:].strip())
            continue
        if stripped.startswith("@"):
            key, values = stripped[1:].split(":", 1)
            cur["slots"][key.strip()] = [
                tuple(f.strip() for f in v.split(" / ")) for v in values.split(" ; ")]
            continue
        if stripped.startswith("%"):
            arc = stripped[1:]
            cur["arcs"][arc] = {"items": [], "S": [], "P": []}
            section = cur["arcs"][arc]["items"]
            target = None
            continue
        if stripped.startswith("~"):
            section.append(("fill", stripped[1:].rstrip("!"), stripped.endswith("!")))
            target = None
            continue
        if stripped[:2] in ("S:", "P:"):
            arc = cur["arcs"][list(cur["arcs"])[-1]]
            target = arc[stripped[0]]
            target.append(stripped[2:].strip())
            continue
        m = _TURN.match(stripped)
        if not m:
            raise ValueError(f"{cur['name']}: cannot parse line {line!r}")
        alts = [m.group(3)]
        section.append(("turn", m.group(1), alts, m.group(2)))
        target = alts
    for s in scenarios:
        for arc_name, arc in s["arcs"].items():
            if arc_name not in _LABELS:
                raise ValueError(f"{s['name']}: unknown arc {arc_name}")
            if not arc["S"]:
                raise ValueError(f"{s['name']}/{arc_name}: no summary")
            if (arc_name == "neg") != bool(arc["P"]):
                raise ValueError(f"{s['name']}/{arc_name}: apology iff negative")
    return scenarios


def _josa(word, particle):
    """Korean particle after `word`: 을/를, 이/가, 은/는, 과/와, 으로/로."""
    pairs = {"을": ("을", "를"), "를": ("을", "를"), "이": ("이", "가"), "가": ("이", "가"),
             "은": ("은", "는"), "는": ("은", "는"), "과": ("과", "와"), "와": ("과", "와"),
             "으로": ("으로", "로"), "로": ("으로", "로"), "이에요": ("이에요", "예요")}
    with_final, without_final = pairs[particle]
    last = word.rstrip()[-1]
    if "가" <= last <= "힣":
        final = (ord(last) - 0xAC00) % 28
        if particle in ("으로", "로") and final == 8:  # ㄹ takes 로
            return "로"
        return with_final if final else without_final
    if last.isdigit():
        return with_final if last in "013678" else without_final
    return without_final


def _fill(text, values):
    def sub(m):
        name, form, particle = m.group(1), m.group(2), m.group(3)
        forms = values[name.lower()]
        value = forms[min(int(form or 0), len(forms) - 1)]
        if name[0].isupper():
            value = value[0].upper() + value[1:]
        return value + (_josa(value, particle) if particle else "")
    out = _PLACEHOLDER.sub(sub, text)
    if "{" in out or "}" in out:
        raise ValueError(f"unfilled placeholder in {text!r}")
    return out


def _globals(rng, lang):
    n = rng.randint(10000, 999999)
    order = rng.choice([f"{n}", f"#{n}", f"A{n}", f"ORD-{n}", f"{n}"])
    first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
    email = rng.choice([f"{first.lower()}.{last.lower()}", f"{first.lower()}{rng.randint(1, 99)}",
                        f"{first[0].lower()}{last.lower()}"]) + "@" + rng.choice(MAIL_DOMAINS)
    if lang == "ko":
        order = rng.choice([f"{n}", f"{n}", f"B{n}"])
        email = rng.choice(KO_ROMAN) + str(rng.randint(1, 999)) + "@" + rng.choice(MAIL_DOMAINS)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    hour = rng.randint(5, 9)
    return {
        "order": (order,),
        "min": (str(rng.choice(range(45, 125, 5))),),
        "clock": (f"{hour}:{rng.choice(range(0, 60, 5)):02d}pm",),
        "email": (email,),
        "ref": ("".join(rng.choice(letters) for _ in range(6)),),
        "phone4": (f"{rng.randint(0, 9999):04d}",),
        "fullname": (f"{first} {last}",),
        "postcode": (rng.choice(["LS6 2QT", "M14 5RB", "BS3 1HZ", "G12 8LP", "NE2 4XF",
                                 "CF24 3AA", "EH9 1JB", "N16 7UD", "OX4 2HW", "B29 6EL"]),),
        "kname": (rng.choice(KO_NAMES),),
        "birth": (f"{rng.randint(60, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",),
    }


def _style_en(lines, label, rng):
    """Customer-side noise: lower case, typos, caps, emoji. Never changes the meaning."""
    idx = [i for i, (who, _) in enumerate(lines) if who == "C"]
    if not idx:
        return lines
    lines = [list(x) for x in lines]
    r = rng.random()
    if r < 0.15:  # casual: lower case, no final full stop (lines with codes or emails kept)
        for i in idx:
            t = lines[i][1]
            if any(ch.isdigit() for ch in t) or "@" in t:
                continue
            t = t.lower()
            lines[i][1] = t[:-1] if t.endswith(".") else t
    elif r < 0.22 and label == -1:  # one shouted line
        i = idx[min(1, len(idx) - 1)] if rng.random() < 0.5 else idx[0]
        lines[i][1] = lines[i][1].upper()
    elif r < 0.25 and label == 1:
        lines[idx[-1]][1] = lines[idx[-1]][1].upper()
    if rng.random() < 0.18:  # typos in one or two lines
        for i in rng.sample(idx, min(len(idx), rng.choice([1, 2]))):
            words = lines[i][1].split(" ")
            cand = [k for k, w in enumerate(words) if w.lower().strip(".,!?") in EN_TYPOS]
            for k in rng.sample(cand, min(len(cand), 2)):
                w = words[k]
                core = w.strip(".,!?")
                bad = EN_TYPOS[core.lower()]
                if core[:1].isupper():
                    bad = bad[:1].upper() + bad[1:]
                if core.isupper() and len(core) > 1:
                    bad = bad.upper()
                words[k] = w.replace(core, bad)
            lines[i][1] = " ".join(words)
    if rng.random() < 0.22:
        pool = {-1: ["😡", "😤", "🙄", "😠", "👎", "😞"], 0: ["🙂", "👍"],
                1: ["😊", "🙏", "👍", "❤️", "🥰", "😀", "🎉"]}[label]
        lines[idx[-1]][1] += " " + rng.choice(pool)
    return [tuple(x) for x in lines]


def _style_ko(lines, label, rng):
    idx = [i for i, (who, _) in enumerate(lines) if who == "C"]
    if not idx:
        return lines
    lines = [list(x) for x in lines]
    if rng.random() < 0.2:
        for i in idx:
            for good, bad in KO_TYPOS.items():
                if good in lines[i][1] and rng.random() < 0.7:
                    lines[i][1] = lines[i][1].replace(good, bad, 1)
    if rng.random() < 0.12:  # one line typed without spaces or final punctuation
        i = rng.choice(idx)
        if len(lines[i][1]) < 40:
            lines[i][1] = lines[i][1].replace(" ", "").rstrip(".")
    if rng.random() < 0.3:
        pool = {-1: ["ㅠㅠ", "ㅡㅡ", "😡", "😤", ";;", "💢"], 0: ["^^", "ㅎㅎ", "🙂"],
                1: ["ㅎㅎ", "^^", "😊", "🙏", "👍", "💕", "ㅋㅋ"]}[label]
        i = idx[-1] if label != 0 or rng.random() < 0.5 else rng.choice(idx)
        lines[i][1] = lines[i][1].rstrip(".") + " " + rng.choice(pool)
    return [tuple(x) for x in lines]


def _ids(rng):
    def pick(r):
        if r < 0.3:
            return rng.randint(2, 999)
        if r < 0.75:
            return rng.randint(1000, 99999)
        return rng.randint(100000, 9999999)
    user = pick(rng.random())
    agents = []
    while len(agents) < 2:
        a = pick(rng.random())
        if a != user and a not in agents:
            agents.append(a)
    return user, agents


def render(scn, arc_name, k, v, rng):
    """Renders variant `v` of one arc; `k` picks the phrasings of the scenario's shared turns."""
    lang = scn["lang"]
    label = _LABELS[arc_name]
    arc = scn["arcs"][arc_name]
    seed_rng = random.Random(f"{scn['name']}/{lang}")  # fixed per scenario: rotation offsets
    values = _globals(rng, lang)
    for name, options in scn["slots"].items():
        values[name] = options[(k + seed_rng.randrange(len(options))) % len(options)]
    groups = {}
    lines = []

    def emit(items, idx):
        for n, item in enumerate(items):
            if item[0] == "fill":
                kind, forced = item[1], item[2]
                if kind == "verify" and (forced or rng.random() < 0.45):
                    exchange = list(rng.choice(FILLERS[lang][scn["kind"]]))
                    if rng.random() < 0.3:
                        exchange += rng.choice(FILLERS[lang]["hold"])
                    lines.extend((who, _fill(t, values)) for who, t in exchange)
                continue
            _, who, alts, group = item
            if group:
                if group not in groups:
                    groups[group] = rng.random() < 0.5
                if not groups[group]:
                    continue
            off = seed_rng.randrange(97) + n
            lines.append((who, _fill(alts[(idx + off) % len(alts)], values)))

    emit(scn["base"], k)
    emit(arc["items"], v)
    if lines and lines[0][0] == "C" and rng.random() < 0.15:
        lines.insert(0, ("A", _fill(rng.choice(GREETINGS[lang]), values)))
    if lines[-1][0] == "C" and rng.random() < 0.22:
        lines.append(("A", rng.choice(SIGNOFFS[lang][label])))
    lines = (_style_en if lang == "en" else _style_ko)(lines, label, rng)
    user, agents = _ids(rng)
    speaker = {"C": user, "A": agents[0], "A2": agents[1]}
    chat = "\n" + "".join(f"id {speaker[w]}: {t}\n" for w, t in lines)
    summary = _fill(arc["S"][(v + seed_rng.randrange(5)) % len(arc["S"])], values)
    apology = None
    if arc["P"]:
        apology = _fill(arc["P"][(v + seed_rng.randrange(5)) % len(arc["P"])], values)
    return {"user_id": user, "chat_message": chat, "sentiment": label, "summary": summary,
            "apology": apology, "language": lang, "_src": f"{scn['name']}/{arc_name}",
            "_turns": len(lines)}


def render_short(entry, rng):
    lang, label, turns, summary, apology = entry
    user, agents = _ids(rng)
    chat = "\n" + "".join(f"id {user if w == 'C' else agents[0]}: {t}\n" for w, t in turns)
    return {"user_id": user, "chat_message": chat, "sentiment": label, "summary": summary,
            "apology": apology, "language": lang, "_src": "short", "_turns": len(turns)}


_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+")


def sentences(text):
    return [s for s in _SENT_SPLIT.split(text.strip()) if s]


def check_record(r):
    """Raises ValueError naming the field when a record breaks the data set's rules."""
    if r["sentiment"] not in (-1, 0, 1):
        raise ValueError("sentiment")
    s = sentences(r["summary"])
    if not 1 <= len(s) <= 2 or len(r["summary"]) > 160 or len(set(s)) != len(s):
        raise ValueError(f"summary: {r['summary']!r} ({len(r['summary'])} chars)")
    if (r["sentiment"] == -1) != (r["apology"] is not None):
        raise ValueError("apology must be present exactly for sentiment -1")
    if r["apology"] is not None:
        a = sentences(r["apology"])
        if not 1 <= len(a) <= 3 or len(set(a)) != len(a):
            raise ValueError(f"apology: {r['apology']!r}")
    hangul = bool(re.search("[가-힣]", r["summary"]))
    if hangul != (r["language"] == "ko"):
        raise ValueError(f"summary language: {r['summary']!r}")
    if r["apology"] and bool(re.search("[가-힣]", r["apology"])) != (r["language"] == "ko"):
        raise ValueError(f"apology language: {r['apology']!r}")
    if f"\nid {r['user_id']}: " not in r["chat_message"]:
        raise ValueError("chat_message: customer never speaks")


def shingles(r):
    text = re.sub(r"(^|\n)id \d+: ", "\n", r["chat_message"]).lower()
    if r["language"] == "ko":
        t = re.sub(r"\s+", "", text)
        return {t[i:i + 5] for i in range(len(t) - 4)}
    w = re.findall(r"[a-z0-9']+", text)
    return {tuple(w[i:i + 4]) for i in range(len(w) - 3)}


def jaccard(a, b):
    return len(a & b) / max(1, len(a | b))


def build():
    rng = random.Random(SEED)
    scenarios = parse(EN_SCENARIOS, "en") + parse(KO_SCENARIOS, "ko")
    names = [(s["lang"], s["name"]) for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError("duplicate scenario names")
    kept, kept_sh = [], []
    count = {(lang, lab): 0 for lang in TARGET_PER_LABEL for lab in (-1, 0, 1)}

    def try_keep(r):
        check_record(r)
        key = (r["language"], r["sentiment"])
        if count[key] >= TARGET_PER_LABEL[r["language"]]:
            return False
        sh = shingles(r)
        if any(jaccard(sh, o) > MAX_SIMILARITY for o in kept_sh):
            return False
        if any(r["chat_message"] == o["chat_message"] for o in kept):
            return False
        kept.append(r)
        kept_sh.append(sh)
        count[key] += 1
        return True

    for entry in SHORTS:
        if not try_keep(render_short(entry, rng)):
            raise ValueError(f"short chat not kept: {entry[2]}")
    # Rounds: variant 0 of every arc, then variant 1, ... so that scenarios share the quota.
    # k rotates the shared (base) phrasings: successive variants of one ending, and the
    # different endings of one scenario, start from different phrasings.
    arcs = [(s, a, n) for s in scenarios for n, a in enumerate(s["arcs"])]
    for v in range(12):
        order = list(range(len(arcs)))
        rng.shuffle(order)
        for i in order:
            s, a, n = arcs[i]
            if v >= MAX_PER_ARC:
                continue
            try_keep(render(s, a, v + n, v, rng))
        if all(count[key] >= TARGET_PER_LABEL[key[0]] for key in count):
            break
    rng.shuffle(kept)
    return kept, count, scenarios


def main(argv=None):
    out = Path(argv[0] if argv else Path(__file__).with_name("train.jsonl"))
    kept, count, scenarios = build()
    with out.open("w", encoding="utf-8") as f:
        for r in kept:
            row = {k: r[k] for k in ("user_id", "chat_message", "sentiment", "summary",
                                     "apology", "language")}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    long_chats = sum(1 for r in kept if r["_turns"] >= 10)
    print(f"wrote {len(kept)} examples to {out} from {len(scenarios)} scenarios "
          f"+ {len(SHORTS)} short chats; {long_chats} with 10+ turns")
    for key in sorted(count):
        print(f"  {key[0]} sentiment {key[1]:+d}: {count[key]}")
    missing = {k: TARGET_PER_LABEL[k[0]] - c for k, c in count.items()
               if c < TARGET_PER_LABEL[k[0]]}
    if missing:
        print(f"  short of target: {missing}")


if __name__ == "__main__":
    main(sys.argv[1:])
