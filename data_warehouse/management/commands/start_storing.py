from data_warehouse.management.topic_command import TopicControlCommand
from data_warehouse.services import start_storing


class Command(TopicControlCommand):
    help = "Start storing a topic, for example: start_storing ORDERS XRPUSDT."
    action = start_storing
